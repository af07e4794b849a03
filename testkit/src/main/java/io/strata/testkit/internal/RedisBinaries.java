package io.strata.testkit.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;

/**
 * The {@code redis-server} binary shipped in {@code com.github.codemonstur:embedded-redis},
 * copied once per user into the testkit cache folder.
 */
public final class RedisBinaries {

    private RedisBinaries() {}

    /** The path of an executable {@code redis-server}. */
    public static synchronized Path server() {
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        String resource = switch (arch) {
            case "amd64", "x86_64" -> "redis-server-6.2.6-v5-linux-amd64";
            case "aarch64", "arm64" -> "redis-server-6.2.7-linux-arm64";
            default ->
                throw new IllegalStateException("no redis-server binary for os.arch=" + arch
                        + "; configure RedisNode.builder().executable(path)");
        };
        URL url = RedisBinaries.class.getClassLoader().getResource(resource);
        if (url == null) {
            throw new IllegalStateException("redis-server binary not found on the class path (" + resource
                    + "). Add com.github.codemonstur:embedded-redis as a dependency.");
        }
        Path root = Path.of(System.getProperty("java.io.tmpdir"), "strata-testkit-" + System.getProperty("user.name"));
        String configured = System.getProperty(PgBinaries.CACHE_PROPERTY);
        if (configured != null) {
            root = Path.of(configured);
        }
        Path target =
                root.resolve(resource + "-" + Integer.toHexString(url.toString().hashCode()));
        if (Files.isExecutable(target)) {
            return target;
        }
        try {
            Files.createDirectories(root);
            Path tmp = Files.createTempFile(root, "redis-", ".tmp");
            try (InputStream in = url.openStream()) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-x---"));
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install redis-server into " + root, e);
        }
    }
}
