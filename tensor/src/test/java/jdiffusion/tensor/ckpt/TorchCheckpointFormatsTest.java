package jdiffusion.tensor.ckpt;

import jdiffusion.tensor.DType;
import jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class TorchCheckpointFormatsTest {
    @TempDir Path dir;

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    private static void assertSmallCheckpoint(TorchCheckpoint c) {
        assertEquals(List.of("w", "wT", "row", "h", "ids"), List.copyOf(c.tensors().keySet()));
        Tensor w = c.tensors().get("w"), wT = c.tensors().get("wT");
        assertArrayEquals(SmallCheckpoints.W, w.toFloatArray());
        assertArrayEquals(new int[]{3, 2}, wT.shape());
        assertArrayEquals(new float[]{1, 4, 2, 5, 3, 6}, wT.toFloatArray());
        assertSame(w.storage(), wT.storage(), "tensors on one storage share it");
        assertArrayEquals(new float[]{4, 5, 6}, c.tensors().get("row").toFloatArray());
        Tensor h = c.tensors().get("h");
        assertEquals(DType.F16, h.dtype());
        float[] hv = h.toFloatArray();
        for (int i = 0; i < hv.length; i++) assertEquals(Float.float16ToFloat(Float.floatToFloat16(SmallCheckpoints.H[i])), hv[i]);
        Tensor ids = c.tensors().get("ids");
        assertEquals(DType.I64, ids.dtype());
        assertArrayEquals(SmallCheckpoints.IDS, ids.toLongArray());
        assertEquals(3L, c.metadata().get("epoch"));
    }

    @Test
    void readsAPlainZipCheckpoint() throws IOException {
        try (TorchCheckpoint c = TorchCheckpoint.open(write("a.ckpt", SmallCheckpoints.zip(false, false, false)))) {
            assertEquals(TorchCheckpoint.Format.ZIP, c.format());
            assertSmallCheckpoint(c);
            assertTrue(c.tensors().get("w").host().segment().isMapped());
        }
    }

    @Test
    void readsZip64DirectoriesAndDeflatedEntries() throws IOException {
        try (TorchCheckpoint c = TorchCheckpoint.open(write("b.ckpt", SmallCheckpoints.zip(true, true, false)))) {
            assertSmallCheckpoint(c);
        }
    }

    @Test
    void byteSwapsStoragesOfABigEndianArchive() throws IOException {
        try (TorchCheckpoint c = TorchCheckpoint.open(write("c.ckpt", SmallCheckpoints.zip(false, false, true)))) {
            assertSmallCheckpoint(c);
        }
    }

    @Test
    void readsALegacyStreamWithItsStorageListAfterThePickle() throws IOException {
        try (TorchCheckpoint c = TorchCheckpoint.open(write("d.ckpt", SmallCheckpoints.legacy()))) {
            assertEquals(TorchCheckpoint.Format.LEGACY, c.format());
            assertSmallCheckpoint(c);
        }
    }

    @Test
    void storagesPastFourGibAreMappedThroughZip64WithoutCopies() throws IOException {
        // NTFS files are not sparse unless asked to be: there this would write 4.5 GiB
        Assumptions.assumeFalse(System.getProperty("os.name").startsWith("Windows"), "needs sparse files");
        long bigBytes = (9L << 29) + 64; // 4.5 GiB of zeros, written as a hole in a sparse file
        long bigNumel = bigBytes / 4;
        byte[] pkl = new PickleWriter().proto(2).op('}')
                .str("tail").tensor("FloatStorage", "big", bigNumel, bigNumel - 4, new long[]{2, 2}, new long[]{2, 1}).op('s')
                .str("after").tensor("FloatStorage", "0", 6, 0, new long[]{6}, new long[]{1}).op('s').stop().bytes();
        Path p = dir.resolve("huge.ckpt");
        new TestZip(true).add("huge/data.pkl", pkl, false).addSparse("huge/data/big", bigBytes)
                .add("huge/data/0", SmallCheckpoints.storage(0, ByteOrder.LITTLE_ENDIAN), false).write(p);
        assertTrue(Files.size(p) > bigBytes);
        try (TorchCheckpoint c = TorchCheckpoint.open(p)) {
            assertArrayEquals(new float[4], c.tensors().get("tail").toFloatArray());
            assertEquals(bigNumel - 4, c.tensors().get("tail").offset());
            assertEquals(bigBytes, c.tensors().get("tail").storage().byteSize());
            assertArrayEquals(SmallCheckpoints.W, c.tensors().get("after").toFloatArray());
        } finally {
            Files.delete(p);
        }
    }

    @Test
    void widensDoubleStoragesToF32() throws IOException {
        byte[] pkl = new PickleWriter().proto(2).op('}').str("x")
                .tensor("DoubleStorage", "0", 2, 0, new long[]{2}, new long[]{1}).op('s').stop().bytes();
        byte[] data = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putDouble(0.25).putDouble(-3).array();
        byte[] zip = new TestZip(false).add("x/data.pkl", pkl, false).add("x/data/0", data, false).bytes();
        try (TorchCheckpoint c = TorchCheckpoint.open(write("e.pt", zip))) {
            assertEquals(DType.F32, c.tensors().get("x").dtype());
            assertArrayEquals(new float[]{0.25f, -3f}, c.tensors().get("x").toFloatArray());
        }
    }

    @Test
    void parametersWithStateAndTensorMetadataLoadAsTheirTensors() throws IOException {
        // torch 2: _rebuild_parameter_with_state(_rebuild_tensor_v2(..., metadata={}), True, OrderedDict(), {}) on a bfloat16 storage
        PickleWriter p = new PickleWriter().proto(2).op('}').str("p").global("torch._utils", "_rebuild_parameter_with_state").mark();
        p.global("torch._utils", "_rebuild_tensor_v2").mark();
        p.mark().str("storage").global("torch", "BFloat16Storage").str("0").str("cuda:0").integer(3).op('t', 'Q');
        p.integer(1).intTuple(2).intTuple(1).op(0x89).emptyOrderedDict().op('}').op('t', 'R');
        p.op(0x88).emptyOrderedDict().op('}').op('t', 'R').op('s');
        p.str("dtype").global("torch", "bfloat16").op('s');
        byte[] data = {(byte) 0x80, 0x3f, 0x00, 0x40, 0x40, 0x40}; // bf16 1, 2, 3
        byte[] zip = new TestZip(false).add("archive/data.pkl", p.stop().bytes(), false).add("archive/data/0", data, false).bytes();
        try (TorchCheckpoint c = TorchCheckpoint.open(write("p.pt", zip))) {
            Tensor t = c.tensors().get("p");
            assertEquals(DType.BF16, t.dtype());
            assertArrayEquals(new float[]{2, 3}, t.toFloatArray());
            assertEquals(new PickleGlobal("torch", "bfloat16"), c.metadata().get("dtype"));
        }
    }

    @Test
    void tensorReachingPastItsStorageIsRefused() throws IOException {
        byte[] pkl = new PickleWriter().proto(2).op('}').str("x")
                .tensor("FloatStorage", "0", 2, 1, new long[]{2}, new long[]{1}).op('s').stop().bytes();
        byte[] zip = new TestZip(false).add("x/data.pkl", pkl, false).add("x/data/0", new byte[8], false).bytes();
        Path p = write("f.pt", zip);
        CheckpointException e = assertThrows(CheckpointException.class, () -> TorchCheckpoint.open(p));
        assertTrue(e.getMessage().contains("storage 0"), e.getMessage());
    }

    @Test
    void missingStorageRecordIsNamed() throws IOException {
        byte[] pkl = new PickleWriter().proto(2).op('}').str("x")
                .tensor("FloatStorage", "7", 2, 0, new long[]{2}, new long[]{1}).op('s').stop().bytes();
        Path p = write("g.pt", new TestZip(false).add("x/data.pkl", pkl, false).bytes());
        CheckpointException e = assertThrows(CheckpointException.class, () -> TorchCheckpoint.open(p));
        assertTrue(e.getMessage().contains("x/data/7"), e.getMessage());
    }

    @Test
    void filesThatAreNotCheckpointsGetOneLineReasons() throws IOException {
        for (byte[] junk : List.of(new byte[0], "hello world\n".getBytes(), new byte[]{'P', 'K', 3, 4, 0, 0},
                new TestZip(false).add("readme.txt", "hi".getBytes(), true).bytes())) {
            Path p = write("junk.ckpt", junk);
            CheckpointException e = assertThrows(CheckpointException.class, () -> TorchCheckpoint.open(p));
            assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
    }

    @Test
    void topLevelDictWithoutStateDictIsTheStateDict() throws IOException {
        byte[] pkl = new PickleWriter().proto(2).emptyOrderedDict().str("x")
                .tensor("FloatStorage", "0", 2, 0, new long[]{2}, new long[]{1}).op('s')
                .str("note").str("hi").op('s').stop().bytes();
        byte[] zip = new TestZip(false).add("archive/data.pkl", pkl, false).add("archive/data/0", new byte[8], false).bytes();
        try (TorchCheckpoint c = TorchCheckpoint.open(write("pytorch_model.bin", zip))) {
            assertEquals(List.of("x"), List.copyOf(c.tensors().keySet()));
            assertEquals("hi", c.metadata().get("note"));
            assertFalse(c.metadata().containsKey("x"));
        }
    }
}
