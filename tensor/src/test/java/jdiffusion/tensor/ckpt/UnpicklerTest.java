package jdiffusion.tensor.ckpt;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class UnpicklerTest {
    static Object unpickle(byte[] pickle) {
        return new Unpickler("test.pkl", MemorySegment.ofArray(pickle), 0, pickle.length, pid -> {
            throw new CheckpointException("test.pkl: no persistent ids here");
        }).load();
    }

    /**
     * CPython's pickle.dumps, protocols 0 to 5, of
     * {'a': [0, 1, -1, 255, 256, 65535, 65536, -2**31, 2**31-1, 2**31, 2**63, -2**70, 1.5, -0.0, inf, 1e-300],
     *  't': (1, 'x', None, True, False), 't1': (1,), 't2': (1, 2), 't3': (1, 2, 3), 't4': (1, 2, 3, 4),
     *  'b': b'\x00\xffbytes', 's': 'unicode é ✓ 😀 \\ \'q\' "dq"\n',
     *  'nested': {'l': [[], (), {}], 'shared': shared, 'shared2': shared}, 'set': {1, 2}, 'fs': frozenset({3})}
     * with shared = [7, 'seven'].
     */
    static final String[] PYTHON_PICKLES = {
            // protocol 0
            """
            286470300a56610a70310a286c70320a49300a6149310a61492d310a61493235350a61493235360a614936353533350a6149
            36353533360a61492d323134373438333634380a6149323134373438333634370a614c323134373438333634384c0a614c39
            3232333337323033363835343737353830384c0a614c2d313138303539313632303731373431313330333432344c0a614631
            2e350a61462d302e300a6146696e660a614631652d3330300a617356740a70330a2849310a56780a70340a4e4930310a4930
            300a7470350a735674310a70360a2849310a7470370a735674320a70380a2849310a49320a7470390a735674330a7031300a
            2849310a49320a49330a747031310a735674340a7031320a2849310a49320a49330a49340a747031330a7356620a7031340a
            635f636f646563730a656e636f64650a7031350a28565c7530303030ff62797465730a7031360a566c6174696e310a703137
            0a747031380a527031390a7356730a7032300a56756e69636f646520e9205c7532373133205c553030303166363030205c75
            303035632027712720226471225c75303030610a7032310a73566e65737465640a7032320a28647032330a566c0a7032340a
            286c7032350a286c7032360a6128746128647032370a6173567368617265640a7032380a286c7032390a49370a6156736576
            656e0a7033300a617356736861726564320a7033310a6732390a7373567365740a7033320a635f5f6275696c74696e5f5f0a
            7365740a7033330a28286c7033340a49310a6149320a61747033350a527033360a735666730a7033370a635f5f6275696c74
            696e5f5f0a66726f7a656e7365740a7033380a28286c7033390a49330a61747034300a527034310a732e""",
            // protocol 1
            """
            7d71002858010000006171015d7102284b004b014affffffff4bff4d00014dffff4a000001004a000000804affffff7f4c32
            3134373438333634384c0a4c393232333337323033363835343737353830384c0a4c2d313138303539313632303731373431
            313330333432344c0a473ff8000000000000478000000000000000477ff00000000000004701a56e1fc2f8f3596558010000
            00747103284b0158010000007871044e4930310a4930300a747105580200000074317106284b017471075802000000743271
            08284b014b0274710958020000007433710a284b014b024b0374710b58020000007434710c284b014b024b034b0474710d58
            0100000062710e635f636f646563730a656e636f64650a710f28580800000000c3bf6279746573711058060000006c617469
            6e3171117471125271135801000000737114581f000000756e69636f646520c3a920e29c9320f09f9880205c202771272022
            6471220a711558060000006e657374656471167d71172858010000006c71185d7119285d711a297d711b6558060000007368
            61726564711c5d711d284b075805000000736576656e711e65580700000073686172656432711f681d755803000000736574
            7120635f5f6275696c74696e5f5f0a7365740a7121285d7122284b014b0265747123527124580200000066737125635f5f62
            75696c74696e5f5f0a66726f7a656e7365740a7126285d71274b0361747128527129752e""",
            // protocol 2
            """
            80027d71002858010000006171015d7102284b004b014affffffff4bff4d00014dffff4a000001004a000000804affffff7f
            8a0500000080008a090000000000000080008a090000000000000000c0473ff8000000000000478000000000000000477ff0
            0000000000004701a56e1fc2f8f359655801000000747103284b0158010000007871044e8889747105580200000074317106
            4b018571075802000000743271084b014b0286710958020000007433710a4b014b024b0387710b58020000007434710c284b
            014b024b034b0474710d580100000062710e635f636f646563730a656e636f64650a710f580800000000c3bf627974657371
            1058060000006c6174696e3171118671125271135801000000737114581f000000756e69636f646520c3a920e29c9320f09f
            9880205c2027712720226471220a711558060000006e657374656471167d71172858010000006c71185d7119285d711a297d
            711b655806000000736861726564711c5d711d284b075805000000736576656e711e65580700000073686172656432711f68
            1d7558030000007365747120635f5f6275696c74696e5f5f0a7365740a71215d7122284b014b026585712352712458020000
            0066737125635f5f6275696c74696e5f5f0a66726f7a656e7365740a71265d71274b0361857128527129752e""",
            // protocol 3
            """
            80037d71002858010000006171015d7102284b004b014affffffff4bff4d00014dffff4a000001004a000000804affffff7f
            8a0500000080008a090000000000000080008a090000000000000000c0473ff8000000000000478000000000000000477ff0
            0000000000004701a56e1fc2f8f359655801000000747103284b0158010000007871044e8889747105580200000074317106
            4b018571075802000000743271084b014b0286710958020000007433710a4b014b024b0387710b58020000007434710c284b
            014b024b034b0474710d580100000062710e430700ff6279746573710f5801000000737110581f000000756e69636f646520
            c3a920e29c9320f09f9880205c2027712720226471220a711158060000006e657374656471127d71132858010000006c7114
            5d7115285d7116297d711765580600000073686172656471185d7119284b075805000000736576656e711a65580700000073
            686172656432711b6819755803000000736574711c636275696c74696e730a7365740a711d5d711e284b014b026585711f52
            7120580200000066737121636275696c74696e730a66726f7a656e7365740a71225d71234b0361857124527125752e""",
            // protocol 4
            """
            80049538010000000000007d94288c0161945d94284b004b014affffffff4bff4d00014dffff4a000001004a000000804aff
            ffff7f8a0500000080008a090000000000000080008a090000000000000000c0473ff8000000000000478000000000000000
            477ff00000000000004701a56e1fc2f8f359658c017494284b018c0178944e888974948c027431944b0185948c027432944b
            014b0286948c027433944b014b024b0387948c02743494284b014b024b034b0474948c016294430700ff6279746573948c01
            73948c1f756e69636f646520c3a920e29c9320f09f9880205c2027712720226471220a948c066e6573746564947d94288c01
            6c945d94285d94297d94658c06736861726564945d94284b078c05736576656e94658c0773686172656432946819758c0373
            6574948f94284b014b02908c02667394284b039194752e""",
            // protocol 5
            """
            80059538010000000000007d94288c0161945d94284b004b014affffffff4bff4d00014dffff4a000001004a000000804aff
            ffff7f8a0500000080008a090000000000000080008a090000000000000000c0473ff8000000000000478000000000000000
            477ff00000000000004701a56e1fc2f8f359658c017494284b018c0178944e888974948c027431944b0185948c027432944b
            014b0286948c027433944b014b024b0387948c02743494284b014b024b034b0474948c016294430700ff6279746573948c01
            73948c1f756e69636f646520c3a920e29c9320f09f9880205c2027712720226471220a948c066e6573746564947d94288c01
            6c945d94285d94297d94658c06736861726564945d94284b078c05736576656e94658c0773686172656432946819758c0373
            6574948f94284b014b02908c02667394284b039194752e""",
    };

    @Test
    void everyProtocolOfCPythonPickleDecodesToTheSameNestedValues() {
        for (int protocol = 0; protocol < PYTHON_PICKLES.length; protocol++) {
            byte[] pickle = HexFormat.of().parseHex(PYTHON_PICKLES[protocol].replaceAll("\\s", ""));
            Map<?, ?> m = assertInstanceOf(Map.class, unpickle(pickle), "protocol " + protocol);
            assertEquals(List.of("a", "t", "t1", "t2", "t3", "t4", "b", "s", "nested", "set", "fs"), List.copyOf(m.keySet()));
            assertEquals(Arrays.asList(0L, 1L, -1L, 255L, 256L, 65535L, 65536L, -2147483648L, 2147483647L, 2147483648L,
                    BigInteger.TWO.pow(63), BigInteger.TWO.pow(70).negate(), 1.5, -0.0, Double.POSITIVE_INFINITY, 1e-300), m.get("a"), "protocol " + protocol);
            assertEquals(PickleTuple.of(1L, "x", null, true, false), m.get("t"));
            assertEquals(PickleTuple.of(1L), m.get("t1"));
            assertEquals(PickleTuple.of(1L, 2L), m.get("t2"));
            assertEquals(PickleTuple.of(1L, 2L, 3L), m.get("t3"));
            assertEquals(PickleTuple.of(1L, 2L, 3L, 4L), m.get("t4"));
            assertArrayEquals(new byte[]{0, (byte) 0xff, 'b', 'y', 't', 'e', 's'}, (byte[]) m.get("b"), "protocol " + protocol);
            assertEquals("unicode \u00e9 \u2713 \uD83D\uDE00 \\ 'q' \"dq\"\n", m.get("s"), "protocol " + protocol);
            Map<?, ?> nested = (Map<?, ?>) m.get("nested");
            assertEquals(List.of(List.of(), PickleTuple.EMPTY, Map.of()), nested.get("l"));
            assertEquals(List.of(7L, "seven"), nested.get("shared"));
            assertSame(nested.get("shared"), nested.get("shared2"), "memo keeps shared objects shared");
            assertEquals(Set.of(1L, 2L), m.get("set"));
            assertEquals(Set.of(3L), m.get("fs"));
        }
    }

    @Test
    void handBuiltMixOfContainersAndScalarsRoundTrips() {
        byte[] pickle = new PickleWriter().proto(4).op(0x95).raw(new byte[8]) // FRAME (length is only a hint)
                .op('}').op(0x94) // MEMOIZE
                .op(0x8c, 4).raw("list".getBytes()).op(']').mark().integer(-5).integer(70000).op('G').raw(new byte[]{0x40, 0x09, 0x21, (byte) 0xfb, 0x54, 0x44, 0x2d, 0x18})
                .op('C', 2, 1, 2).op(0x8e).raw(new byte[]{3, 0, 0, 0, 0, 0, 0, 0}).raw(new byte[]{9, 8, 7}).op('e').op('s')
                .str("tuple").mark().str("x").op(')').op('N').op('t').op('s')
                .str("dict").op('}').integer(1).str("one").op('s').op('s')
                .str("again").op('h', 0).op(0x30, 0x30) // push, BINGET, POP twice: no effect
                .str("long").op(0x8b, 9, 0, 0, 0).raw(new byte[]{0, 0, 0, 0, 0, 0, 0, 0, 1}).op('s')
                .str("ba").op(0x96).raw(new byte[]{2, 0, 0, 0, 0, 0, 0, 0, 5, 6}).op('s')
                .stop().bytes();
        Map<?, ?> m = (Map<?, ?>) unpickle(pickle);
        List<?> list = (List<?>) m.get("list");
        assertEquals(-5L, list.get(0));
        assertEquals(70000L, list.get(1));
        assertEquals(Math.PI, list.get(2));
        assertArrayEquals(new byte[]{1, 2}, (byte[]) list.get(3));
        assertArrayEquals(new byte[]{9, 8, 7}, (byte[]) list.get(4));
        assertEquals(PickleTuple.of("x", PickleTuple.EMPTY, null), m.get("tuple"));
        assertEquals(Map.of(1L, "one"), m.get("dict"));
        assertFalse(m.containsKey("again"));
        assertEquals(BigInteger.TWO.pow(64), m.get("long"));
        assertArrayEquals(new byte[]{5, 6}, (byte[]) m.get("ba"));
    }

    @Test
    void protocolZeroTextOpcodesIncludingPython2Strings() {
        String text = "(dp0\nS'py2 \\'str\\'\\n\\x41'\np1\nI01\nsS\"k\"\nF-2.5\nsVa\\u00e9\nL12345678901234567890L\nsI7\n(I1\nI2\nlsg1\nI00\ns.";
        Map<?, ?> m = (Map<?, ?>) unpickle(text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        Map<Object, Object> want = new LinkedHashMap<>();
        want.put("py2 'str'\nA", false); // the key memoised as p1 is reused below, and its value replaced
        want.put("k", -2.5);
        want.put("a\u00e9", new BigInteger("12345678901234567890"));
        want.put(7L, new ArrayList<>(List.of(1L, 2L)));
        assertEquals(want, m);
    }

    @Test
    void numpyScalarsFromTrainingMetadataBecomeNumbers() {
        // numpy.core.multiarray.scalar(numpy.dtype('f8', False, True) with state (3, '<', ...), _codecs.encode(raw, 'latin1'))
        byte[] raw = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putDouble(0.125).array();
        PickleWriter p = new PickleWriter().proto(2).global("numpy.core.multiarray", "scalar")
                .global("numpy", "dtype").str("f8").op(0x89, 0x88, 0x87, 'R')
                .mark().integer(3).str("<").op('N', 'N', 'N').integer(0).op('J', 0xff, 0xff, 0xff, 0xff).integer(0).op('t', 'b')
                .global("_codecs", "encode").str(new String(raw, java.nio.charset.StandardCharsets.ISO_8859_1)).str("latin1").op(0x86, 'R')
                .op(0x86, 'R').stop();
        assertEquals(0.125, unpickle(p.bytes()));
    }

    @Test
    void refusesEveryGlobalOutsideTheAllowList() {
        for (String[] g : new String[][]{{"posix", "system"}, {"os", "system"}, {"builtins", "eval"}, {"builtins", "exec"},
                {"__builtin__", "getattr"}, {"subprocess", "Popen"}, {"subprocess", "check_output"}, {"torch", "load"},
                {"collections", "defaultdict"}, {"nt", "system"},
                {"torch.serialization", "load"}, {"numpy", "load"}}) {
            byte[] viaGlobal = new PickleWriter().proto(2).global(g[0], g[1]).str("x").op(0x85, 'R').stop().bytes();
            byte[] viaStackGlobal = new PickleWriter().proto(4).str(g[0]).str(g[1]).op(0x93).str("x").op(0x85, 'R').stop().bytes();
            for (byte[] pickle : List.of(viaGlobal, viaStackGlobal)) {
                UnsafeCheckpointException e = assertThrows(UnsafeCheckpointException.class, () -> unpickle(pickle));
                assertEquals(g[0] + "." + g[1], e.global());
                assertEquals("refusing to load test.pkl: it asks to call " + g[0] + "." + g[1]
                        + ", which a model checkpoint never needs (it may be malicious)", e.getMessage());
            }
        }
    }

    @Test
    void lightningCheckpointExtrasLoadAsData() {
        // {'callbacks': {ModelCheckpoint: {'best_model_score': None}}, 'hparams': ParameterDict.__new__ + BUILD, 'seen': {1}}
        byte[] pickle = new PickleWriter().proto(2).op('}').mark()
                .str("callbacks").op('}').global("pytorch_lightning.callbacks.model_checkpoint", "ModelCheckpoint")
                .op('}').str("best_model_score").op('N', 's', 's')
                .str("params").global("torch.nn.modules.container", "ParameterDict").op(')', 0x81).op('}').str("_parameters").op('}', 's', 'b')
                .str("seen").global("__builtin__", "set").op(']').integer(1).op('a', 0x85, 'R')
                .op('u').stop().bytes();
        Map<?, ?> m = (Map<?, ?>) unpickle(pickle);
        Map<?, ?> callbacks = (Map<?, ?>) m.get("callbacks");
        assertEquals(new PickleGlobal("pytorch_lightning.callbacks.model_checkpoint", "ModelCheckpoint"), callbacks.keySet().iterator().next());
        PickledObject params = (PickledObject) m.get("params");
        assertEquals("torch.nn.modules.container.ParameterDict", params.type().qualifiedName());
        assertEquals(Map.of("_parameters", Map.of()), params.state());
        assertEquals(Set.of(1L), m.get("seen"));
    }

    @Test
    void allowedButUnimplementedCallsAreReportedAsUnsupportedNotMalicious() {
        byte[] pickle = new PickleWriter().proto(2).global("torch._utils", "_rebuild_device_tensor_from_numpy")
                .mark().op('N', 'N', 'N', 0x89).op('t').op('R').stop().bytes();
        CheckpointException e = assertThrows(CheckpointException.class, () -> unpickle(pickle));
        assertFalse(e instanceof UnsafeCheckpointException);
        assertTrue(e.getMessage().contains("does not implement"), e.getMessage());
    }

    @Test
    void instAndObjOpcodesAreCheckedToo() {
        byte[] inst = "(S'touch /tmp/pwned'\nios\nsystem\n.".getBytes();
        assertThrows(UnsafeCheckpointException.class, () -> unpickle(inst));
        byte[] ext = new PickleWriter().proto(2).op(0x82, 1).stop().bytes();
        assertThrows(CheckpointException.class, () -> unpickle(ext));
    }

    @Test
    void hugeLengthsInATinyPickleFailFastWithoutAllocating() {
        List<byte[]> bad = List.of(
                new PickleWriter().proto(2).op('X', 0xf0, 0xff, 0xff, 0xff).stop().bytes(),
                new PickleWriter().proto(4).op(0x8d).raw(new byte[]{-1, -1, -1, -1, -1, -1, -1, 0x7f}).stop().bytes(),
                new PickleWriter().proto(4).op(0x8e).raw(new byte[]{0, 0, 0, 0, 0, 0, 0, (byte) 0x80}).stop().bytes(),
                new PickleWriter().proto(2).op(0x8b, 0xff, 0xff, 0xff, 0x7f).stop().bytes(),
                new PickleWriter().proto(2).op('r', 0xff, 0xff, 0xff, 0xff).stop().bytes(),
                new PickleWriter().proto(2).op('j', 0xff, 0xff, 0xff, 0xff).stop().bytes(),
                new PickleWriter().proto(2).op('t').stop().bytes(),
                new PickleWriter().proto(2).op('a').stop().bytes(),
                new PickleWriter().proto(2).integer(1).op('s').stop().bytes(),
                new PickleWriter().proto(2).op(']', ']', 's').stop().bytes(), // a list as dict key
                new PickleWriter().proto(2).integer(1).integer(2).stop().bytes(),
                new PickleWriter().proto(2).op('.').bytes(),
                new PickleWriter().proto(9).op('N', '.').bytes(),
                new PickleWriter().proto(2).op('N').bytes(),
                new PickleWriter().proto(2).op(0xff).bytes(),
                "I12x\n.".getBytes(), "F1e5e\n.".getBytes(), "Gabc".getBytes(), "S'abc\n.".getBytes(),
                new PickleWriter().proto(2).integer(1).op(0x85).op('R').stop().bytes(), // calling a non-global
                new PickleWriter().proto(2).global("collections", "OrderedDict").integer(5).op('R').stop().bytes());
        for (byte[] pickle : bad) {
            long t0 = System.nanoTime();
            CheckpointException e = assertThrows(CheckpointException.class, () -> unpickle(pickle), HexFormat.of().formatHex(pickle));
            assertTrue(e.getMessage().startsWith("test.pkl: "), e.getMessage());
            assertTrue(System.nanoTime() - t0 < 1_000_000_000L);
        }
    }

    @Test
    void deepNestingNeedsNoRecursion() {
        PickleWriter p = new PickleWriter().proto(2);
        int depth = 200_000;
        for (int i = 0; i < depth; i++) p.op(']');
        for (int i = 1; i < depth; i++) p.op('a');
        Object root = unpickle(p.stop().bytes());
        int d = 1;
        for (Object o = root; !((List<?>) o).isEmpty(); o = ((List<?>) o).getFirst()) d++;
        assertEquals(depth, d);
    }
}
