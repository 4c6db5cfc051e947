package jdiffusion.sd.prompt;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

    private static final Pattern TAG = Pattern.compile("<([\\p{L}\\p{N}_]+):([^>]+)>");

    public static Parsed parse(String prompt) {
        Map<String, List<ExtraNetworkParams>> found = new LinkedHashMap<>();
        Matcher m = TAG.matcher(prompt);
        StringBuilder rest = new StringBuilder(prompt.length());
        while (m.find()) {
            List<String> items = Arrays.asList(m.group(2).split(":", -1));
            found.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(ExtraNetworkParams.of(items));
            m.appendReplacement(rest, "");
        }
        m.appendTail(rest);
        Map<String, List<ExtraNetworkParams>> frozen = new LinkedHashMap<>();
        found.forEach((k, v) -> frozen.put(k, List.copyOf(v)));
        return new Parsed(rest.toString(), Collections.unmodifiableMap(frozen));
    }
}
