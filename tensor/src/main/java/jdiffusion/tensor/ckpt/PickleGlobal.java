package jdiffusion.tensor.ckpt;

/**
 * A global named by a pickle ({@code GLOBAL}/{@code STACK_GLOBAL}) that passed the allow-list. It stands
 * for itself as a value (a dtype such as {@code torch.float16}, a class used as a dict key) and is
 * "called" by REDUCE/NEWOBJ only through {@link TorchGlobals}, in Java.
 */
public record PickleGlobal(String module, String name) {
    public String qualifiedName() { return module + "." + name; }

    @Override public String toString() { return qualifiedName(); }
}
