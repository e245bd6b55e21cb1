"""The surfaces: every way in from outside — the CLI, the MCP server, LangChain tools, the demo.

Presentation only: each surface is a thin caller of the same tools (``tools.run``) and the same agent
turn; nothing about a tool is restated here (names, descriptions, parameters and bounds come from each
tool's ``ToolSpec``; the OpenAI schema builder lives beside it, in ``tools/openai_schema.py``, because
planners use it too). Each module imports its framework (typer, mcp, langchain_core) inside functions,
so importing this package stays cheap. The studio (Streamlit) is in ``bandmate.ui``.

| module | entry points |
| --- | --- |
| ``cli`` | ``main()``, ``build_app()``: the ``bandmate`` command, from the ``cli_*`` modules |
| ``cli_session`` / ``cli_tool`` / ``cli_agent`` / ``cli_eval`` / ``cli_ui`` | ``register(app)`` for each command group |
| ``calls`` | ``call_tool(...) -> dict``: one validated run through ``run_tool``, as JSON |
| ``langchain_tools`` | ``make_langchain_tools(registry, store, session_id, settings) -> list[StructuredTool]`` |
| ``mcp_server`` / ``mcp_sessions`` | ``build_mcp_server(registry, settings, store=None) -> MCPServer`` and its session verbs |
| ``sessions`` | ``new_session_from_files``, ``session_summary``, ``session_history`` (CLI and MCP share them) |
| ``demo`` | the scripted conversation ``make run``/``bandmate demo`` plays |
"""
