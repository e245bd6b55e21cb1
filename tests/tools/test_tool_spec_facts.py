"""What planners and surfaces know about a tool is declared on its ToolSpec (words, level args, stems)."""

from __future__ import annotations

from bandmate.agent.wording import describe_call
from bandmate.tools import default_registry


def test_each_tool_words_its_own_calls():
    reg = default_registry()
    assert reg["eq"].describe_call({"peak1_hz": 100, "peak1_db": -4, "high_shelf_db": 3, "high_shelf_hz": 4000}) \
        == "-4 dB bell at 100 Hz, +3 dB high shelf above 4 kHz"
    assert reg["gain"].describe_call({"gain_db": -3.5}) == "-3.5 dB"
    assert reg["transient"].describe_call({"attack_db": 4.0}) == "transient shaping, +4 dB on the attacks"
    assert reg["time_stretch"].describe_call({"target_bpm": 98}) == "tempo to 98 BPM"
    # a tool that declares no words still reads as a call, never as an error
    assert reg["trim"].describe_call({"start_s": 1.0, "end_s": 2.0, "target": "mix"}) == "trim(start_s=1.0, end_s=2.0)"
    assert describe_call("compressor", {"ratio": 3, "threshold_db": -24, "attack_ms": 10}) == \
        "compression 3:1 from -24 dB (10 ms attack)"
    assert describe_call("no_such_tool", {"x": 1}) == "no_such_tool(x=1)"


def test_facts_are_declared_on_the_specs():
    reg = default_registry()
    # replace_stem is re-aimed through its 'stem' ("the drums are too busy, simplify them" >> "now the bass, same idea")
    assert reg.where("restemmable") == {"eq", "gain", "compressor", "reverb", "delay", "chorus", "saturation",
                                        "stereo_width", "transient", "replace_stem"}
    assert reg.where("makes_stem") == {"add_stem"}
    assert {"separate", "remove_stem", "extract_stem", "add_stem", "generate", "continue", "inpaint"} == \
        reg.where("separates_first")
    for spec in reg:
        fields = set(spec.Args.model_fields)
        assert spec.level_args <= fields, f"{spec.name}: level_args {spec.level_args - fields} are not arguments"
        if spec.level_args:
            assert spec.restemmable, f"{spec.name} scales with intensity but cannot be replayed"
