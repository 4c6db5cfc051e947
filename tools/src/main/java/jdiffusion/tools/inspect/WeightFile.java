package jdiffusion.tools.inspect;

import jdiffusion.tensor.SafeTensors;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.ckpt.CheckpointFiles;
import jdiffusion.tensor.ckpt.TensorFile;
import jdiffusion.tensor.ckpt.TorchCheckpoint;
import jdiffusion.tools.CommandException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One weights file as listed by inspect: its format, sizes, metadata and every tensor's name, dtype and shape. A
 * safetensors file is read from its header alone (instant for multi-GiB files); a torch {@code .ckpt/.pt/.bin}
 * through the restricted unpickler, which refuses pickles that ask for anything but tensors.
 *
 * @param format      {@code safetensors}, {@code torch zip} or {@code torch legacy}
 * @param headerBytes the safetensors header's size with its length prefix; -1 for other formats
 * @param metadata    safetensors {@code __metadata__} strings, or a checkpoint's non-tensor top-level values
 *                    (epoch, global_step...) as JSON-writable values
 */
record WeightFile(Path path, String format, long fileBytes, long headerBytes, Map<String, Object> metadata, List<TensorEntry> tensors) {

    static WeightFile read(Path file) {
        if (!Files.exists(file)) throw new CommandException(file + ": cannot read: no such file");
        if (!Files.isRegularFile(file)) throw new CommandException(file + ": not a regular file");
        return isTorch(file) ? readTorch(file) : readSafetensors(file);
    }

    long dataBytes() {
        long n = 0;
        for (TensorEntry t : tensors) n += t.bytes();
        return n;
    }

    private static WeightFile readSafetensors(Path file) {
        try (SafeTensors st = SafeTensors.open(file)) {
            List<TensorEntry> list = new ArrayList<>(st.entries().size());
            for (SafeTensors.Entry e : st.entries().values())
                list.add(new TensorEntry(e.name(), e.dtypeName(), e.shape(), e.byteSize(), new long[]{e.begin(), e.end()}));
            return new WeightFile(file, "safetensors", st.fileBytes(), st.headerBytes(), Collections.unmodifiableMap(new LinkedHashMap<>(st.metadata())),
                    List.copyOf(list));
        }
    }

    private static WeightFile readTorch(Path file) {
        try (TensorFile f = CheckpointFiles.open(file)) {
            List<TensorEntry> list = new ArrayList<>(f.tensors().size());
            Map<String, Tensor> tensors = f.tensors();
            // embeddings and hypernetworks keep their tensors in nested dicts (string_to_param.*, 768.0.linear.0.weight)
            if (tensors.isEmpty() && f instanceof TorchCheckpoint c) tensors = nested(c.root());
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                Tensor t = e.getValue();
                list.add(new TensorEntry(e.getKey(), t.dtype().safetensorsName(), t.shape(), t.numel() * t.dtype().byteSize(), null));
            }
            String format = f instanceof TorchCheckpoint c && c.format() == TorchCheckpoint.Format.LEGACY ? "torch legacy" : "torch zip";
            Map<String, Object> meta = new LinkedHashMap<>();
            f.metadata().forEach((k, v) -> meta.put(k, plain(v, 0)));
            return new WeightFile(file, format, size(file), -1, Collections.unmodifiableMap(meta), List.copyOf(list));
        }
    }

    /** Every tensor below {@code root}, named by its dotted path of dict keys and list indexes. */
    static Map<String, Tensor> nested(Object root) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", root, out, 0);
        return out;
    }

    private static void collect(String prefix, Object v, Map<String, Tensor> out, int depth) {
        if (v instanceof Tensor t) out.put(prefix, t);
        else if (depth > 6) return;
        else if (v instanceof Map<?, ?> m) m.forEach((k, x) -> collect(prefix.isEmpty() ? String.valueOf(k) : prefix + "." + k, x, out, depth + 1));
        else if (v instanceof List<?> l) for (int i = 0; i < l.size(); i++) collect(prefix.isEmpty() ? "" + i : prefix + "." + i, l.get(i), out, depth + 1);
    }

    /** A pickled value as JSON can hold it: tensors and unknown objects become a short description. */
    private static Object plain(Object v, int depth) {
        if (v == null || v instanceof String || v instanceof Boolean || v instanceof Long || v instanceof Integer) return v;
        if (v instanceof Number n) return n.doubleValue();
        if (v instanceof Tensor t) return "tensor " + t.dtype().safetensorsName() + " " + Arrays.toString(t.shape());
        if (depth > 4) return String.valueOf(v);
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, x) -> out.put(String.valueOf(k), plain(x, depth + 1)));
            return out;
        }
        if (v instanceof List<?> l) return l.stream().map(x -> plain(x, depth + 1)).toList();
        return String.valueOf(v);
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new CommandException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** A torch file by its first bytes: a zip, or a pickle's PROTO opcode (renamed files are common, so not by name). */
    static boolean isTorch(Path file) {
        byte[] head = new byte[4];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, 4);
        } catch (IOException e) {
            throw new CommandException(file + ": cannot read: " + e.getMessage(), e);
        }
        if (n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) return true;
        if (n >= 2 && (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5) return true;
        if (n >= 4 && head[0] == 'G' && head[1] == 'G' && head[2] == 'U' && head[3] == 'F')
            throw new CommandException(file + ": is a GGUF file; inspect reads .safetensors, .ckpt/.pt/.bin and diffusers folders");
        return false;
    }
}
