package jdiffusion.sd.controlnet;

import jdiffusion.tensor.DType;
import jdiffusion.tensor.SafeTensors;
import jdiffusion.tensor.Tensor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Test fixture: writes a safetensors file's tensors as a torch &gt;= 1.6 zip archive ({@code archive/data.pkl} with
 * {@code _rebuild_tensor_v2} calls over persistent storages, {@code archive/data/N}), as {@code torch.save(state_dict)}
 * lays out a {@code .pth}, so the ControlNet loader is tested on a real pickle without torch.
 */
final class TorchZipWriter {
    private TorchZipWriter() {}

    static void write(Path source, Path target) throws IOException {
        try (SafeTensors f = SafeTensors.open(source); ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(target))) {
            ByteArrayOutputStream pkl = new ByteArrayOutputStream();
            pkl.write(new byte[] {(byte) 0x80, 2, '}', '('});
            int key = 0;
            for (String name : f.names()) {
                Tensor t = f.get(name);
                String storage = t.dtype() == DType.F16 ? "HalfStorage" : "FloatStorage";
                str(pkl, name);
                global(pkl, "torch._utils", "_rebuild_tensor_v2");
                pkl.write('(');
                pkl.write('(');
                str(pkl, "storage");
                global(pkl, "torch", storage);
                str(pkl, Integer.toString(key));
                str(pkl, "cpu");
                integer(pkl, t.numel());
                pkl.write('t');
                pkl.write('Q');
                integer(pkl, 0);
                pkl.write('(');
                for (int d : t.shape()) integer(pkl, d);
                pkl.write('t');
                pkl.write('(');
                long[] strides = Tensor.contiguousStrides(t.shape());
                for (long s : strides) integer(pkl, s);
                pkl.write('t');
                pkl.write(0x89);
                global(pkl, "collections", "OrderedDict");
                pkl.write(')');
                pkl.write('R');
                pkl.write('t');
                pkl.write('R');
                stored(zip, "archive/data/" + key, bytes(t));
                key++;
            }
            pkl.write('u');
            pkl.write('.');
            stored(zip, "archive/data.pkl", pkl.toByteArray());
            stored(zip, "archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        }
    }

    private static byte[] bytes(Tensor t) {
        float[] v = t.toFloatArray();
        boolean half = t.dtype() == DType.F16;
        ByteBuffer b = ByteBuffer.allocate(v.length * (half ? 2 : 4)).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            if (half) b.putShort(Float.floatToFloat16(x));
            else b.putFloat(x);
        }
        return b.array();
    }

    private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }

    private static void str(OutputStream o, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        o.write('X');
        o.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
        o.write(b);
    }

    private static void global(OutputStream o, String module, String name) throws IOException {
        o.write('c');
        o.write((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    private static void integer(OutputStream o, long v) throws IOException {
        o.write('J');
        o.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(Math.toIntExact(v)).array());
    }
}
