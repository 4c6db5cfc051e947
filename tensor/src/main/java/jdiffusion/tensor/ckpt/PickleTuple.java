package jdiffusion.tensor.ckpt;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/** A Python tuple from a pickle: an immutable list (which, unlike {@code List.of}, may hold None as null). */
public record PickleTuple(List<Object> items) {
    public static final PickleTuple EMPTY = new PickleTuple(List.of());

    public PickleTuple {
        items = Collections.unmodifiableList(Arrays.asList(items.toArray()));
    }

    public static PickleTuple of(Object... items) { return new PickleTuple(Arrays.asList(items)); }

    public int size() { return items.size(); }

    public Object get(int i) { return items.get(i); }

    @Override public String toString() { return "(" + String.join(", ", items.stream().map(String::valueOf).toList()) + ")"; }
}
