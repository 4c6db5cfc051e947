package jdiffusion.tools.server;

import jdiffusion.tools.Captured;
import jdiffusion.tools.UsageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jsd serve} options: loopback unless --listen, WebUI defaults, one-line errors for what cannot start. */
class ServeCommandTest {
    @TempDir Path dir;

    @Test
    void bindsLoopbackOnPort7860UnlessToldToListen() {
        ServerConfig c = ServeCommand.config(List.of("--models-dir", dir.toString()));
        assertEquals("127.0.0.1", c.host());
        assertEquals(7860, c.port());
        assertEquals(ServerConfig.DEFAULT_QUEUE_SIZE, c.queueSize());
        assertEquals(2048L * 2048L, c.maxPixels());
        assertNull(c.apiAuth());
        ServerConfig exposed = ServeCommand.config(List.of("--models-dir", dir.toString(), "--listen", "--port", "8000",
                "--queue-size", "3", "--max-pixels", "65536", "--api-auth", "a:b,c:d"));
        assertEquals("0.0.0.0", exposed.host());
        assertEquals(8000, exposed.port());
        assertEquals(3, exposed.queueSize());
        assertEquals(65536, exposed.maxPixels());
        assertEquals("a:b,c:d", exposed.apiAuth());
    }

    @Test
    void badOptionsAreUsageErrors() {
        assertThrows(UsageException.class, () -> ServeCommand.config(List.of()));
        assertThrows(UsageException.class, () -> ServeCommand.config(List.of("--models-dir", dir.resolve("missing").toString())));
        assertThrows(UsageException.class, () -> ServeCommand.config(List.of("--models-dir", dir.toString(), "--api-auth", "nopassword")));
        assertThrows(UsageException.class, () -> ServeCommand.config(List.of("--models-dir", dir.toString(), "--port", "70000")));
        Captured none = Captured.run("serve");
        assertEquals(2, none.status());
        assertTrue(none.err().contains("--models-dir DIR or --model PATH is required"), none.err());
    }

    @Test
    void aFolderWithoutCheckpointsOrATakenPortIsAOneLineError() throws Exception {
        Files.writeString(dir.resolve("notes.txt"), "no models here");
        Captured empty = Captured.run("serve", "--models-dir", dir.toString(), "--port", "0");
        assertEquals(1, empty.status());
        assertTrue(empty.err().startsWith("jsd: ") && empty.err().contains("no checkpoints found"), empty.err());

        try (TinyServer s = TinyServer.start(dir.resolve("webui"), 1, null)) {
            ServerConfig same = new ServerConfig("127.0.0.1", s.server.port(), s.root, null, TinyServer.tokenizer(), null, 1, 4096, 1, "cpu", ServerConfig.DEFAULT_MAX_BODY);
            ServerException e = assertThrows(ServerException.class, () -> JsdServer.start(same));
            assertTrue(e.getMessage().contains("cannot listen on 127.0.0.1:" + s.server.port()), e.getMessage());
            assertEquals(200, s.get("/sdapi/v1/progress").status(), "the first server is unaffected");
        }
    }
}
