"""Interfaces derived from ToolSpecs: OpenAI function schemas, LangChain tools, an MCP server, CLI verbs.

Nothing about a tool is restated here: names, descriptions, parameters and bounds come from each
tool's pydantic ``Args`` model and its function's docstring. Each adapter module imports its library
(langchain_core, mcp, typer) inside functions, so importing this package stays cheap.

| module | entry points |
| --- | --- |
| ``openai_schema`` | ``openai_tools(registry) -> list[dict]``, ``openai_tool(spec)``, ``clean_json_schema`` |
| ``calls`` | ``call_tool(...) -> dict``: one validated run through ``run_tool``, as JSON |
| ``langchain_tools`` | ``make_langchain_tools(registry, store, session_id, settings) -> list[StructuredTool]`` |
| ``mcp_server`` | ``build_mcp_server(registry, settings, store=None) -> MCPServer`` |
| ``sessions`` | ``new_session_from_files``, ``session_summary``, ``session_history`` (CLI and MCP share them) |
| ``cli_commands`` | ``register(app)``: the ``tool`` group and the ``mcp`` command |
"""
