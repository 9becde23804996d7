"""The fields Asana documents for each resource, as `opt_fields` may name them.

Asana answers 400 to an `opt_fields` path whose first name is not a field of the resource; the
sandbox does the same with these lists (the top-level names of each operation's documented
`opt_fields`). `tests/integrations/test_asana_contract.py` checks them against Asana's OpenAPI
description, so they cannot drift. A documented field the sandbox does not model is accepted
and left out of the answer.

Reference: https://developers.asana.com/docs/inputoutput-options
"""

from __future__ import annotations

ALWAYS = frozenset(("gid", "resource_type"))
# Paging fields a list's opt_fields may also name (they select next_page's parts).
PAGING = frozenset(("offset", "path", "uri"))


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


DOCUMENTED_FIELDS: dict[str, frozenset[str]] = {
    "user": _names("custom_fields email name photo workspaces"),
    "workspace": _names("email_domains is_organization name"),
    "project": _names(
        "archived color completed completed_at completed_by created_at created_from_template "
        "current_status current_status_update custom_field_settings custom_fields "
        "default_access_level default_view due_date due_on followers html_notes icon members "
        "minimum_access_level_for_customization minimum_access_level_for_sharing modified_at "
        "name notes owner permalink_url privacy_setting project_brief public start_on team "
        "workspace"
    ),
    "custom_field_setting": _names("custom_field is_important parent project"),
    "custom_field": _names(
        "asana_created_field created_by currency_code custom_label custom_label_position "
        "date_value default_access_level description display_value enabled enum_options "
        "enum_value format has_notifications_enabled html_text_value id_prefix "
        "input_restrictions is_formula_field is_global_to_workspace is_value_read_only "
        "multi_enum_values name number_value people_value precision privacy_setting "
        "reference_value representation_type resource_subtype text_value type"
    ),
    "enum_option": _names("color enabled name"),
    "task": _names(
        "actual_time_minutes approval_status assigned_by assignee assignee_section "
        "assignee_status completed completed_at completed_by created_at created_by "
        "custom_fields custom_type custom_type_status_option dependencies dependents due_at "
        "due_on external followers hearted hearts html_notes is_rendered_as_separator liked "
        "likes memberships modified_at name notes num_hearts num_likes num_subtasks parent "
        "permalink_url projects resource_subtype start_at start_on tags workspace"
    ),
    "story": _names(
        "assignee created_at created_by custom_field dependency duplicate_of duplicated_from "
        "follower hearted hearts html_text is_editable is_edited is_pinned liked likes "
        "new_approval_status new_date_value new_dates new_enum_value new_multi_enum_values "
        "new_name new_number_value new_people_value new_resource_subtype new_section "
        "new_text_value num_hearts num_likes old_approval_status old_date_value old_dates "
        "old_enum_value old_multi_enum_values old_name old_number_value old_people_value "
        "old_resource_subtype old_section old_text_value previews project reaction_summary "
        "resource_subtype source sticker_name story tag target task text type"
    ),
    "webhook": _names(
        "active created_at delivery_retry_count failure_deletion_timestamp filters "
        "last_failure_at last_failure_content last_success_at next_attempt_after resource "
        "target"
    ),
    "event": _names("action change created_at parent resource type user"),
}


def unknown_fields(resource: str, opt_fields: str | None) -> list[str]:
    """The first names in `opt_fields` that the resource does not have."""
    if not opt_fields:
        return []
    allowed = DOCUMENTED_FIELDS[resource] | ALWAYS | PAGING
    names = [path.strip().split(".")[0] for path in opt_fields.split(",") if path.strip()]
    return [name for name in names if name not in allowed]
