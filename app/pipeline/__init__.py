"""The pipeline's pure core: (task state, one fact) -> (new state, effects, timeline events).

No I/O, no clock (`now` is an argument), no database, no HTTP client; the shell in `app/jobs/`
loads the state, calls `decide`, persists the Decision in one transaction and performs the
effects. Modules, one concept each:

- `status`:       PipelineStatus (progress + holds) and AsanaStatus (what a Status option means).
- `state`:        TaskState (the persisted task, `to_json`/`from_json`), CiRun, LinkedPr.
- `rules_config`: ProjectRules (AutoTask/Repo/Status field config, repos, default repo),
                  ProjectContext for the issue body, and `resolve_repo`.
- `facts`:        AsanaTaskSnapshot, IssueFact, IssueCommentFact, PullRequestFact,
                  WorkflowRunFact, UserAction, and effect results IssueCreated / EffectDone /
                  EffectFailed.
- `effects`:      CreateIssue, CommentOnIssue, AddLabel, RemoveLabel, CloseIssue, ReopenIssue,
                  CompleteAsanaTask, ReopenAsanaTask, PostAsanaStory, Reread* — each with a
                  stable idempotency `key`; `effect_from_json` for the outbox.
- `events`:       TimelineEvent(source, event_type, ref, at), Source, EventType.
- `links`:        the strict closing-reference parser (ClosingRef, pull_request_references).
- `github_facts`: GitHub JSON (webhook payloads, REST reads) -> the facts above.
- `taskspec`:     TaskSpec versions and the issue title/body rendering (injection-safe).
- `decide`:       `decide(state, fact, rules, now) -> Decision`, dispatching by fact type to
                  one rule function each in `rules_asana`, `rules_github`, `rules_people`;
                  then `converge.settle` plans what the new state calls for and sets the
                  status from `judge` (holds first, then progress, then the CI verdict).
- `draft`:        the scratchpad a decision is built on (internal).

The contract with the shell:
1. A task row exists before its first fact (the id is in every key and in the issue marker):
   start from `TaskState.new(task_id, asana_gid)`.
2. Feed one task's facts one at a time, in the order they are processed (a per-task lock).
3. Persist `Decision.state`, `.events`, `.taskspec` and one outbox row per `.effects` item
   (insert ignoring an existing key) in one transaction; on `.rearm`, set those keys' failed
   rows back to planned.
4. Perform an effect, then feed its result back: `IssueCreated` for CreateIssue, `EffectDone`
   for the others, `EffectFailed` (permanent or not) when it failed; a Reread* effect is
   answered with the fact it reads (a snapshot, a PR, the workflow runs).
"""

from app.pipeline.decide import Decision, decide
from app.pipeline.state import CiRun, LinkedPr, TaskState
from app.pipeline.status import AsanaStatus, PipelineStatus

__all__ = [
    "AsanaStatus",
    "CiRun",
    "Decision",
    "LinkedPr",
    "PipelineStatus",
    "TaskState",
    "decide",
]
