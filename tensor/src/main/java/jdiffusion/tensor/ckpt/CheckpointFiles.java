package jdiffusion.tensor.ckpt;

import jdiffusion.tensor.SafeTensors;
import jdiffusion.tensor.SafeTensorsException;
import jdiffusion.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Opens any single-file model ({@code .safetensors}, {@code .ckpt}, {@code .pt}, {@code .pth},
 * {@code .bin}) as a {@link TensorFile}. The format is told from the file's first bytes, not its name
 * (renamed files are common), and every failure is a {@link CheckpointException}.
 */
public final class CheckpointFiles {
    private CheckpointFiles() {}

    public static TensorFile open(Path path) {
        if (Files.isDirectory(path))
            throw new CheckpointException(path + ": is a folder; a diffusers folder is read by its model_index.json, not as one weights file");
        if (!Files.isRegularFile(path)) throw new CheckpointException(path + ": no such file");
        if (isSafetensors(path)) {
            try {
                return new SafetensorsFile(SafeTensors.open(path));
            } catch (SafeTensorsException e) {
                throw new CheckpointException(e.getMessage(), e);
            }
        }
        return TorchCheckpoint.open(path);
    }

    /**
     * A safetensors file is a little-endian header length that fits the file, then '{'. That test comes first:
     * a length whose low byte is 0x80 would otherwise pass for a pickle's PROTO opcode. A zip ('PK') or a pickle
     * never satisfies it (a zip has its compression method at byte 8, a pickle's first eight bytes read as a
     * length far beyond the file).
     */
    static boolean isSafetensors(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer head = ByteBuffer.allocate(9).order(ByteOrder.LITTLE_ENDIAN);
            while (head.hasRemaining() && ch.read(head, head.position()) > 0) { }
            if (head.hasRemaining()) return path.getFileName().toString().endsWith(".safetensors");
            long headerLength = head.getLong(0);
            if (head.get(8) == '{' && headerLength > 0 && headerLength <= ch.size() - 8) return true;
            boolean torch = (head.get(0) == 'P' && head.get(1) == 'K') || (head.get(0) & 0xff) == 0x80;
            return !torch && path.getFileName().toString().endsWith(".safetensors");
        } catch (IOException e) {
            throw new CheckpointException(path + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Tensors are views made when asked for, so a tensor of a dtype we do not compute with fails only when read. */
    private record SafetensorsFile(SafeTensors file, Map<String, Object> metadata) implements TensorFile {
        SafetensorsFile(SafeTensors file) {
            this(file, Collections.unmodifiableMap(new LinkedHashMap<>(file.metadata())));
        }

        @Override public Path path() { return file.path(); }

        @Override public java.util.Set<String> names() { return file.names(); }

        @Override public boolean contains(String name) { return file.contains(name); }

        @Override public int[] shape(String name) { return entry(name).shape(); }

        @Override public jdiffusion.tensor.DType dtype(String name) {
            try {
                return entry(name).dtype();
            } catch (SafeTensorsException e) {
                throw named(e);
            }
        }

        @Override public Tensor get(String name) {
            entry(name);
            try {
                return file.get(name);
            } catch (SafeTensorsException e) {
                throw named(e);
            }
        }

        private SafeTensors.Entry entry(String name) {
            if (!file.contains(name)) throw new CheckpointException(file.path() + ": no tensor named \"" + name + "\"");
            return file.entry(name);
        }

        private CheckpointException named(SafeTensorsException e) {
            String where = file.path().toString();
            return new CheckpointException(e.getMessage().contains(where) ? e.getMessage() : where + ": " + e.getMessage(), e);
        }

        @Override public void close() { file.close(); }
    }
}
