package jdiffusion.sd.checkpoint;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class YamlReaderTest {
    @Test
    void readsBlockMapsListsFlowCollectionsScalarsAndComments() {
        String yaml = """
                # an ldm config
                model:
                  base_learning_rate: 1.0e-04   # comment after a value
                  target: ldm.models.diffusion.ddpm.LatentDiffusion
                  params:
                    linear_start: 0.00085
                    first_stage_key: "jpg"
                    other_key: 'it''s'
                    use_ema: False
                    nothing:
                    attention_resolutions: [ 4, 2, 1 ]
                    nested: {hidden_size: 32, act: quick_gelu, dims: [1, 2], ok: true}
                    multi_line: [1,
                      2, 3]
                    items:
                      - 1
                      - name: a
                        value: 2
                      - [x, y]
                    same_indent_list:
                    - p
                    - q
                    url: http://host/path#frag
                """;
        Map<String, Object> root = YamlReader.parseMap(yaml, "test.yaml");
        ConfigNode p = new ConfigNode(root, "test").path("model.params");
        assertEquals(1.0e-4, new ConfigNode(root, "t").child("model").number("base_learning_rate", 0));
        assertEquals(0.00085, p.number("linear_start", 0));
        assertEquals("jpg", p.string("first_stage_key", null));
        assertEquals("it's", p.string("other_key", null));
        assertEquals(false, p.bool("use_ema", true));
        assertNull(p.raw("nothing"));
        assertEquals(List.of(4, 2, 1), p.ints("attention_resolutions"));
        ConfigNode nested = p.child("nested");
        assertEquals(32, nested.requireInt("hidden_size"));
        assertEquals("quick_gelu", nested.string("act", null));
        assertEquals(List.of(1, 2), nested.ints("dims"));
        assertTrue(nested.bool("ok", false));
        assertEquals(List.of(1, 2, 3), p.ints("multi_line"));
        assertEquals(List.of(1L, Map.of("name", "a", "value", 2L), List.of("x", "y")), p.raw("items"));
        assertEquals(List.of("p", "q"), p.raw("same_indent_list"));
        assertEquals("http://host/path#frag", p.string("url", null));
    }

    @Test
    void readsTheTinyModelConfigIncludingItsFlowMapping() throws Exception {
        var text = java.nio.file.Files.readString(jdiffusion.tensor.testing.Golden.model("tiny-sd15.yaml"));
        ConfigNode params = new ConfigNode(YamlReader.parseMap(text, "tiny-sd15.yaml"), "tiny").path("model.params");
        assertEquals(List.of(1, 2, 2), params.path("unet_config.params").ints("channel_mult"));
        assertEquals(4, params.path("cond_stage_config.params.tiny_text_config").requireInt("num_attention_heads"));
        assertEquals(0.18215, params.number("scale_factor", 0));
    }

    @Test
    void malformedYamlIsRefusedWithFileAndLine() {
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> YamlReader.parse("a:\n  b: 1\n   c: 2\n", "bad.yaml"));
        assertTrue(e.getMessage().startsWith("bad.yaml: line 3"), e.getMessage());
        assertThrows(ModelLoadException.class, () -> YamlReader.parse("a: [1, 2\n", "bad.yaml"));
        assertThrows(ModelLoadException.class, () -> YamlReader.parse("a: |\n  text\n", "bad.yaml"));
        assertThrows(ModelLoadException.class, () -> YamlReader.parse("a: 1\na: 2\n", "bad.yaml"));
    }
}
