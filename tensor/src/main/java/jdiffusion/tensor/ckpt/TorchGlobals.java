package jdiffusion.tensor.ckpt;

import jdiffusion.tensor.Tensor;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The globals a checkpoint pickle may name, and Java implementations of the ones it may call. The list
 * follows the WebUI's {@code modules/safe.py} RestrictedUnpickler (OrderedDict, tensor and parameter
 * rebuilding, torch storage types and dtypes, numpy scalars and arrays from training metadata,
 * {@code _codecs.encode}, {@code set}, ParameterDict, Lightning's ModelCheckpoint) plus a few equally
 * inert names newer torch writes. Everything else is refused by name.
 */
final class TorchGlobals {
    private TorchGlobals() {}

    private static final Set<String> DTYPES = Set.of("float16", "float32", "float64", "bfloat16", "half", "float", "double",
            "int64", "int32", "int16", "int8", "uint8", "bool", "long", "int", "short", "complex64", "complex128",
            "float8_e4m3fn", "float8_e5m2");

    static boolean allowed(String module, String name) {
        return switch (module) {
            case "collections" -> name.equals("OrderedDict");
            case "torch._utils" -> name.equals("_rebuild_tensor_v2") || name.equals("_rebuild_tensor")
                    || name.equals("_rebuild_parameter") || name.equals("_rebuild_parameter_with_state")
                    || name.equals("_rebuild_device_tensor_from_numpy"); // inert, but not implemented: see call()
            case "torch" -> name.equals("Size") || DTYPES.contains(name) || isStorageName(name);
            case "torch.storage" -> name.equals("UntypedStorage") || name.equals("TypedStorage") || name.equals("_TypedStorage");
            case "torch.nn.modules.container" -> name.equals("ParameterDict");
            case "numpy.core.multiarray", "numpy._core.multiarray" -> name.equals("scalar") || name.equals("_reconstruct");
            case "numpy" -> name.equals("dtype") || name.equals("ndarray");
            case "_codecs" -> name.equals("encode");
            case "builtins", "__builtin__" -> name.equals("set") || name.equals("frozenset");
            case "pytorch_lightning.callbacks" -> name.equals("model_checkpoint");
            case "pytorch_lightning.callbacks.model_checkpoint" -> name.equals("ModelCheckpoint");
            default -> false;
        };
    }

    /** {@code HalfStorage}, {@code Float8_e4m3fnStorage}...: inert type names, checked again when used. */
    private static boolean isStorageName(String name) {
        return name.endsWith("Storage") && name.length() > 7 && name.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '_');
    }

    /** REDUCE / INST / OBJ: apply an allowed callable to its arguments, in Java. */
    static Object call(String source, PickleGlobal f, PickleTuple args) {
        return switch (f.qualifiedName()) {
            case "collections.OrderedDict" -> orderedDict(source, args);
            case "torch._utils._rebuild_tensor_v2" -> rebuildTensor(source, args, 6, 7);
            case "torch._utils._rebuild_tensor" -> rebuildTensor(source, args, 4, 4);
            case "torch._utils._rebuild_parameter" -> parameter(source, args, 3);
            case "torch._utils._rebuild_parameter_with_state" -> parameter(source, args, 4);
            case "torch.Size" -> {
                arity(source, f, args, 1, 1);
                yield new PickleTuple(items(source, args.get(0)));
            }
            case "builtins.set", "__builtin__.set", "builtins.frozenset", "__builtin__.frozenset" -> {
                arity(source, f, args, 0, 1);
                Set<Object> s = new LinkedHashSet<>();
                if (args.size() == 1) s.addAll(items(source, args.get(0)));
                yield s;
            }
            case "_codecs.encode" -> encode(source, args);
            case "numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar" -> NumpyValues.scalar(source, args);
            case "numpy.dtype", "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct" ->
                    new PickledObject(f, args);
            default -> throw new CheckpointException(source + ": the pickle calls " + f + ", which this loader does not implement");
        };
    }

    /** NEWOBJ: {@code cls.__new__(cls, *args)}; the state usually follows in a BUILD. */
    static Object newObject(String source, PickleGlobal cls, PickleTuple args) {
        return switch (cls.qualifiedName()) {
            case "collections.OrderedDict" -> new LinkedHashMap<>();
            case "torch.nn.modules.container.ParameterDict", "pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint" ->
                    new PickledObject(cls, args);
            default -> call(source, cls, args);
        };
    }

    /** BUILD: give an object its pickled state. */
    static void build(String source, Object obj, Object state) {
        switch (obj) {
            case PickledObject p -> p.setState(state);
            // OrderedDict attributes such as a state_dict's _metadata (version numbers) are not entries
            case Map<?, ?> m -> { }
            // tensors may carry Python attributes; they do not change the data
            case Tensor t -> { }
            default -> throw new CheckpointException(source + ": the pickle sets the state of a " + Unpickler.typeName(obj) + ", which this loader does not support");
        }
    }

    private static void arity(String source, PickleGlobal f, PickleTuple args, int min, int max) {
        if (args.size() < min || args.size() > max)
            throw new CheckpointException(source + ": " + f + " called with " + args.size() + " arguments (corrupt pickle?)");
    }

    private static Map<Object, Object> orderedDict(String source, PickleTuple args) {
        Map<Object, Object> m = new LinkedHashMap<>();
        if (args.size() > 1) throw new CheckpointException(source + ": OrderedDict called with " + args.size() + " arguments");
        if (args.size() == 1 && args.get(0) != null) {
            for (Object pair : items(source, args.get(0))) {
                List<Object> kv = items(source, pair);
                if (kv.size() != 2 || !(kv.get(0) instanceof String || kv.get(0) instanceof Long))
                    throw new CheckpointException(source + ": OrderedDict item is not a (key, value) pair");
                m.put(kv.get(0), kv.get(1));
            }
        }
        return m;
    }

    private static List<Object> items(String source, Object o) {
        if (o instanceof PickleTuple t) return t.items();
        if (o instanceof ArrayList<?> l) return new ArrayList<>(l);
        throw new CheckpointException(source + ": expected a tuple or list, got a " + Unpickler.typeName(o));
    }

    /** {@code _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])}. */
    private static Object rebuildTensor(String source, PickleTuple args, int min, int max) {
        if (args.size() < min || args.size() > max)
            throw new CheckpointException(source + ": tensor rebuilt from " + args.size() + " arguments (corrupt pickle?)");
        if (!(args.get(0) instanceof StorageRef storage))
            throw new CheckpointException(source + ": tensor rebuilt from a " + Unpickler.typeName(args.get(0)) + " instead of a storage");
        if (!(args.get(1) instanceof Long offset) || offset < 0)
            throw new CheckpointException(source + ": tensor has a bad storage offset");
        List<Object> size = items(source, args.get(2)), stride = items(source, args.get(3));
        if (size.size() != stride.size() || size.size() > 64)
            throw new CheckpointException(source + ": tensor size " + size + " and stride " + stride + " differ in rank");
        int[] shape = new int[size.size()];
        long[] strides = new long[size.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!(size.get(i) instanceof Long d) || d < 0 || d > Integer.MAX_VALUE
                    || !(stride.get(i) instanceof Long s) || s < 0 || s > Long.MAX_VALUE / 4)
                throw new CheckpointException(source + ": tensor has a bad size " + size + " or stride " + stride);
            shape[i] = (int) (long) d;
            strides[i] = s;
        }
        return storage.tensor(source, offset, shape, strides);
    }

    /** {@code _rebuild_parameter(data, requires_grad, backward_hooks[, state])}: a Parameter is its tensor. */
    private static Object parameter(String source, PickleTuple args, int n) {
        if (args.size() != n || !(args.get(0) instanceof Tensor || args.get(0) == StorageRef.UNRESOLVED))
            throw new CheckpointException(source + ": parameter rebuilt from something other than a tensor");
        return args.get(0);
    }

    /** {@code _codecs.encode(text, encoding)}: how protocol-2 pickles spell Python 3 bytes. */
    private static byte[] encode(String source, PickleTuple args) {
        if (args.size() < 1 || args.size() > 2 || !(args.get(0) instanceof String text))
            throw new CheckpointException(source + ": _codecs.encode called with bad arguments");
        String enc = args.size() == 2 && args.get(1) instanceof String e ? e.toLowerCase(java.util.Locale.ROOT).replace('_', '-') : "utf-8";
        return switch (enc) {
            case "latin1", "latin-1", "iso-8859-1", "l1" -> text.getBytes(StandardCharsets.ISO_8859_1);
            case "utf-8", "utf8" -> text.getBytes(StandardCharsets.UTF_8);
            case "ascii" -> text.getBytes(StandardCharsets.US_ASCII);
            default -> throw new CheckpointException(source + ": _codecs.encode with encoding " + enc + " is not supported");
        };
    }

    /** numpy scalars as Java numbers: {@code scalar(dtype, raw bytes)}. */
    static final class NumpyValues {
        private NumpyValues() {}

        static Object scalar(String source, PickleTuple args) {
            if (args.size() != 2 || !(args.get(0) instanceof PickledObject dtype) || !(args.get(1) instanceof byte[] raw)
                    || dtype.args().size() < 1 || !(dtype.args().get(0) instanceof String code))
                return new PickledObject(new PickleGlobal("numpy.core.multiarray", "scalar"), args);
            ByteOrder order = dtype.state() instanceof PickleTuple st && st.size() > 1 && ">".equals(st.get(1))
                    ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
            ByteBuffer b = ByteBuffer.wrap(raw).order(order);
            Object v = switch (code + ":" + raw.length) {
                case "f8:8" -> b.getDouble();
                case "f4:4" -> (double) b.getFloat();
                case "f2:2" -> (double) Float.float16ToFloat(b.getShort());
                case "i8:8" -> b.getLong();
                case "i4:4" -> (long) b.getInt();
                case "i2:2" -> (long) b.getShort();
                case "i1:1" -> (long) b.get();
                case "u8:8" -> normalize(new BigInteger(Long.toUnsignedString(b.getLong())));
                case "u4:4" -> b.getInt() & 0xffffffffL;
                case "u2:2" -> (long) (b.getShort() & 0xffff);
                case "u1:1" -> (long) (b.get() & 0xff);
                case "b1:1" -> b.get() != 0;
                default -> null;
            };
            return v != null ? v : new PickledObject(new PickleGlobal("numpy.core.multiarray", "scalar"), args);
        }

        private static Object normalize(BigInteger x) { return x.bitLength() < 64 ? (Object) x.longValue() : x; }
    }
}
