package jdiffusion.tensor.ckpt;

/**
 * An allowed non-tensor object from a pickle, kept as data: its class or factory, the arguments it was
 * made with, and the state a later BUILD gave it (null if none). Used for numpy dtypes and arrays,
 * {@code ParameterDict} and Lightning callback objects found in training checkpoints.
 */
public final class PickledObject {
    private final PickleGlobal type;
    private final PickleTuple args;
    private Object state;

    PickledObject(PickleGlobal type, PickleTuple args) {
        this.type = type;
        this.args = args;
    }

    public PickleGlobal type() { return type; }

    public PickleTuple args() { return args; }

    public Object state() { return state; }

    void setState(Object state) { this.state = state; }

    @Override public String toString() { return type.qualifiedName() + "(...)"; }
}
