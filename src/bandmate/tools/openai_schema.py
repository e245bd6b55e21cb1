"""OpenAI function-calling schemas derived from ToolSpecs.

Conventions of the cleaned JSON schema (also used by ``bandmate tool schema``):
- flat ``properties`` with ``description``, ``default`` and bounds (``minimum``, ``maximum``,
  ``exclusiveMinimum``, ``exclusiveMaximum``, ``minLength``, ``maxLength``) straight from pydantic;
- a nullable scalar (``float | None``) is a type list, ``{"type": ["number", "null"], ...}``, with its
  bounds beside it (JSON Schema applies numeric bounds to numbers only, so ``null`` stays valid);
- a ``Literal`` is an ``enum`` (a one-value Literal too, never ``const``);
- no ``title`` keys, no ``$defs``/``$ref`` (inlined), ``additionalProperties: false``, and
  ``required`` always present (possibly empty).

``strict=True`` gives OpenAI's strict-mode form (``"strict": true`` on the function): every property
is listed in ``required``, an optional one is made nullable (``null`` means "use the default", which
``tools.call`` drops before validating) and ``default`` values move into the description.
"""

from __future__ import annotations

import copy
from typing import Any

from bandmate.tools.spec import Registry, ToolSpec

_DROP = ("title",)


def openai_tools(registry: Registry, *, strict: bool = False) -> list[dict[str, Any]]:
    """Every tool of ``registry`` as ``{"type": "function", "function": {...}}``, in registry order."""
    return [openai_tool(spec, strict=strict) for spec in registry]


def openai_tool(spec: ToolSpec, *, strict: bool = False) -> dict[str, Any]:
    params = openai_parameters(spec)
    fn: dict[str, Any] = {"name": spec.name, "description": spec.description,
                          "parameters": strict_parameters(params) if strict else params}
    if strict:
        fn["strict"] = True
    return {"type": "function", "function": fn}


def strict_parameters(params: dict[str, Any]) -> dict[str, Any]:
    """The strict-mode form of cleaned parameters (see the module docstring)."""
    required = set(params["required"])
    props = {}
    for name, prop in params["properties"].items():
        prop = dict(prop)
        if name not in required:
            default = prop.pop("default", None)
            if default is not None:
                prop["description"] = f"{prop.get('description', '')} Default: {default!r}; null uses it.".strip()
            prop = _nullable(prop)
        props[name] = prop
    return {"type": "object", "properties": props, "required": list(props), "additionalProperties": False}


def _nullable(prop: dict[str, Any]) -> dict[str, Any]:
    if "anyOf" in prop:
        if {"type": "null"} not in prop["anyOf"]:
            prop["anyOf"] = [*prop["anyOf"], {"type": "null"}]
        return prop
    kind = prop.get("type")
    kinds = [kind] if isinstance(kind, str) else list(kind or [])
    if "null" not in kinds:
        prop["type"] = [*kinds, "null"]
    if "enum" in prop and None not in prop["enum"]:
        prop["enum"] = [*prop["enum"], None]
    return _ordered(prop)


def openai_parameters(spec: ToolSpec) -> dict[str, Any]:
    """The cleaned JSON schema of ``spec.Args`` (see the module docstring)."""
    return clean_json_schema(spec.Args.model_json_schema())


def clean_json_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Turn a pydantic model's JSON schema into the flat, title-free form described above."""
    defs = schema.get("$defs", {})
    props = {name: _clean_property(_inline(p, defs)) for name, p in schema.get("properties", {}).items()}
    return {"type": "object", "properties": props, "required": list(schema.get("required", [])),
            "additionalProperties": False}


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """Replace local ``$ref``s by the definitions they point to (args are flat, so depth is small)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            target = copy.deepcopy(defs[ref.removeprefix("#/$defs/")])
            rest = {k: v for k, v in node.items() if k != "$ref"}
            return _inline({**target, **rest}, defs)
        return {k: _inline(v, defs) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


def _clean_property(prop: dict[str, Any]) -> dict[str, Any]:
    prop = _strip(prop)
    if "const" in prop and "enum" not in prop:
        prop["enum"] = [prop.pop("const")]
    options = prop.get("anyOf")
    if isinstance(options, list):
        non_null = [o for o in options if o != {"type": "null"}]
        if len(non_null) == 1 and len(non_null) < len(options) and _is_scalar(non_null[0]):
            # `X | None`: fold into a type list so bounds sit beside the type
            inner = _clean_property(non_null[0])
            del prop["anyOf"]
            kind = inner.pop("type")
            if "enum" in inner and None not in inner["enum"]:
                inner["enum"] = [*inner["enum"], None]
            prop = {**inner, **prop, "type": [*([kind] if isinstance(kind, str) else kind), "null"]}
        else:
            prop["anyOf"] = [_clean_property(o) for o in options]
    if "items" in prop and isinstance(prop["items"], dict):
        prop["items"] = _clean_property(prop["items"])
    return _ordered(prop)


def _is_scalar(option: dict[str, Any]) -> bool:
    kind = option.get("type")
    return isinstance(kind, str) and kind in ("number", "integer", "string", "boolean") and "anyOf" not in option


def _strip(node: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in node.items() if k not in _DROP}


_ORDER = ("type", "enum", "description", "default", "minimum", "exclusiveMinimum", "maximum",
          "exclusiveMaximum", "minLength", "maxLength", "items", "anyOf")


def _ordered(prop: dict[str, Any]) -> dict[str, Any]:
    """Stable key order, so printed schemas and snapshots read the same way every time."""
    head = {k: prop[k] for k in _ORDER if k in prop}
    return {**head, **{k: v for k, v in sorted(prop.items()) if k not in head}}
