package jdiffusion.sd.prompt;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Extra-network tags in a prompt, as the WebUI's {@code extra_networks.parse_prompt} (v1.10.1) finds them:
 * {@code <lora:name:0.6>}, {@code <hypernet:name:1>}, {@code <lora:name:0.6:0.4>} ... Every match of
 * {@code <(\w+):([^>]+)>} is cut out of the prompt (surrounding spaces and commas stay) and its arguments, split at
 * every {@code :}, are collected under the tag type in prompt order.
 */
public final class ExtraNetworks {
    private ExtraNetworks() {}

    /** The prompt without its tags, and for each tag type (in first-seen order) the arguments of each tag. */
    public record Parsed(String prompt, Map<String, List<ExtraNetworkParams>> networks) {
        public List<ExtraNetworkParams> of(String type) {
            return networks.getOrDefault(type, List.of());
        }
    }

    /**
     * Cuts out every match of {@code <(\w+):([^>]+)>}, left to right. Scanned by hand: the regex runs to the end of
     * the text from every {@code <name:} that no {@code >} closes.
     */
    public static Parsed parse(String prompt) {
        Map<String, List<ExtraNetworkParams>> found = new LinkedHashMap<>();
        StringBuilder rest = new StringBuilder(prompt.length());
        int copied = 0;
        int close = -1; // the first '>' at or after the colon of the tag being looked at
        for (int open = prompt.indexOf('<'); open >= 0; open = prompt.indexOf('<', open + 1)) {
            int colon = open + 1;
            while (colon < prompt.length()) {
                int cp = prompt.codePointAt(colon);
                if (!PromptText.isWord(cp)) break;
                colon += Character.charCount(cp);
            }
            if (colon == open + 1 || colon >= prompt.length() || prompt.charAt(colon) != ':') continue;
            if (close <= colon) close = prompt.indexOf('>', colon + 1);
            if (close < 0) break; // no '>' left: no further tag
            if (close == colon + 1) continue;
            List<String> items = Arrays.asList(prompt.substring(colon + 1, close).split(":", -1));
            found.computeIfAbsent(prompt.substring(open + 1, colon), k -> new ArrayList<>()).add(ExtraNetworkParams.of(items));
            rest.append(prompt, copied, open);
            copied = close + 1;
            open = close;
        }
        rest.append(prompt, copied, prompt.length());
        Map<String, List<ExtraNetworkParams>> frozen = new LinkedHashMap<>();
        found.forEach((k, v) -> frozen.put(k, List.copyOf(v)));
        return new Parsed(rest.toString(), Collections.unmodifiableMap(frozen));
    }
}
