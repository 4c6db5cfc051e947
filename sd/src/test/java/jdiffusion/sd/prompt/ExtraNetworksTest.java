package jdiffusion.sd.prompt;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Cases from the WebUI's {@code extra_networks.parse_prompt} ({@code <(\w+):([^>]+)>}, args split at ':'). */
class ExtraNetworksTest {

    @Test
    void tagsAreCutOutAndGroupedByTypeInPromptOrder() {
        ExtraNetworks.Parsed p = ExtraNetworks.parse("1girl, <lora:agm:0.6> <hypernet:ray:1> smile <lora:b:0.6:0.4>");
        assertEquals("1girl,   smile ", p.prompt());
        assertEquals(List.of("lora", "hypernet"), List.copyOf(p.networks().keySet()));
        assertEquals(List.of("agm", "0.6"), p.of("lora").get(0).items());
        assertEquals(List.of("b", "0.6", "0.4"), p.of("lora").get(1).items());
        assertEquals(List.of("ray", "1"), p.of("hypernet").getFirst().positional());
        assertTrue(p.of("lyco").isEmpty());
    }

    @Test
    void keyValueItemsAreNamedParameters() {
        ExtraNetworkParams params = ExtraNetworks.parse("<lora:x:0.5:te=0.3:unet=1:a=b=c>").of("lora").getFirst();
        assertEquals(List.of("x", "0.5", "a=b=c"), params.positional());
        assertEquals(Map.of("te", "0.3", "unet", "1"), params.named());
        assertEquals("x", params.name());
    }

    @Test
    void malformedTagsStayInThePrompt() {
        for (String s : new String[]{"<lora:>", "<lora x:1>", "<lora:x", "<:x:1>", "lora:x:1>"}) {
            ExtraNetworks.Parsed p = ExtraNetworks.parse(s);
            assertEquals(s, p.prompt(), s);
            assertTrue(p.networks().isEmpty(), s);
        }
    }

    @Test
    void argumentsEndAtTheFirstClosingAngle() {
        ExtraNetworks.Parsed p = ExtraNetworks.parse("<lora:<x>:1> and <lora:a:b>c>");
        assertEquals(":1> and c>", p.prompt());
        assertEquals(List.of("<x"), p.of("lora").get(0).items());
        assertEquals(List.of("a", "b"), p.of("lora").get(1).items());
    }

    @Test
    void emptyItemsAreKept() {
        assertEquals(List.of("name", "", "0.5"), ExtraNetworks.parse("<lora:name::0.5>").of("lora").getFirst().items());
    }

    @Test
    void unicodeWordCharactersNameTheType() {
        assertEquals(1, ExtraNetworks.parse("<lóra_2:x>").of("lóra_2").size());
    }

    @Test
    void loraTagReadsMultipliersAsTheLoraExtensionDoes() {
        assertEquals(new LoraTag("n", 1.0, 1.0, 0), lora("<lora:n>"));
        assertEquals(new LoraTag("n", 0.6, 0.6, 0), lora("<lora:n:0.6>"));
        assertEquals(new LoraTag("n", 0.6, 0.4, 0), lora("<lora:n:0.6:0.4>"));
        assertEquals(new LoraTag("n", 1.0, 0.5, 8), lora("<lora:n:1:0.5:8>"));
        assertEquals(new LoraTag("n", 0.3, 0.3, 0), lora("<lora:n:0.6:te=0.3>"));
        assertEquals(new LoraTag("n", 0.6, 0.2, 4), lora("<lora:n:0.6:unet=0.2:dyn=4>"));
        assertThrows(PromptSyntaxException.class, () -> lora("<lora:n:x>"));
        assertThrows(PromptSyntaxException.class, () -> lora("<lora:te=1>"));
    }

    private static LoraTag lora(String prompt) {
        return LoraTag.of(ExtraNetworks.parse(prompt).of("lora").getFirst());
    }
}
