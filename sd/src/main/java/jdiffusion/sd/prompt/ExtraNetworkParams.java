package jdiffusion.sd.prompt;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The arguments of one {@code <type:arg1:arg2:...>} tag (WebUI {@code ExtraNetworkParams}): all items, the positional
 * ones, and the {@code key=value} ones (an item with exactly one {@code =}).
 */
public record ExtraNetworkParams(List<String> items, List<String> positional, Map<String, String> named) {

    public static ExtraNetworkParams of(List<String> items) {
        List<String> positional = new ArrayList<>();
        Map<String, String> named = new LinkedHashMap<>();
        for (String item : items) {
            String[] parts = item.split("=", 3);
            if (parts.length == 2) named.put(parts[0], parts[1]);
            else positional.add(item);
        }
        return new ExtraNetworkParams(List.copyOf(items), List.copyOf(positional), java.util.Collections.unmodifiableMap(named));
    }

    /** The first positional item: the network's name. */
    public String name() {
        return positional.isEmpty() ? "" : positional.getFirst();
    }
}
