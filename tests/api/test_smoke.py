async def test_a_token_reads_its_project(api):
    status, body, _ = await api.get("/api/v1/projects/acme")
    assert status == 200, body
    assert body == {"slug": "acme", "name": "Acme"}
