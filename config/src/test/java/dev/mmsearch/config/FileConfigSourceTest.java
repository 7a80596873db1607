package dev.mmsearch.config;

import static dev.mmsearch.config.Configs.await;
import static dev.mmsearch.config.Configs.invalid;
import static dev.mmsearch.config.Configs.valid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.experiment.ExperimentConfig;
import dev.mmsearch.core.experiment.StageKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class FileConfigSourceTest {
    private static final Logger LOG = LoggerFactory.getLogger(FileConfigSourceTest.class);
    private static final Duration RELOAD_LIMIT = Duration.ofSeconds(2);

    @TempDir
    Path dir;

    /** What editors and config tools do: write a sibling temp file, rename it over the original. */
    private static void replaceAtomically(Path file, String text) throws IOException {
        Path temp = Files.createTempFile(file.getParent(), ".experiments", ".tmp");
        Files.writeString(temp, text);
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Reads current() in a loop, as request threads do, and records anything wrong. */
    private static final class Reader implements AutoCloseable {
        final AtomicLong reads = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final AtomicBoolean stop = new AtomicBoolean();
        final Thread thread;

        Reader(ConfigSource source) {
            thread = Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    try {
                        ExperimentConfig config = source.current();
                        // Every snapshot is whole: a scene with its recall layer and two arms.
                        assertThat(config.scene("qa").layer(StageKind.RECALL).arms()).hasSize(2);
                        reads.incrementAndGet();
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }
            });
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join();
            assertThat(failure.get()).as("a reader saw a broken config").isNull();
            assertThat(reads.get()).isPositive();
        }
    }

    @Test
    void atomicReplaceAndInPlaceWritesAreLiveWithinTwoSecondsWhileReadersRun() throws Exception {
        Path file = dir.resolve("experiments.yaml");
        Files.writeString(file, valid("v1", "sparse"));
        try (FileConfigSource source = new FileConfigSource(file, ConfigValidator.ACCEPT_ALL)) {
            List<String> heard = new CopyOnWriteArrayList<>();
            source.addListener(c -> heard.add(c.version()));
            assertThat(source.currentVersion()).isEqualTo("v1");
            assertThat(source.description()).isEqualTo("file:" + file.toAbsolutePath());
            try (Reader reader = new Reader(source)) {
                replaceAtomically(file, valid("v2", "hybrid"));
                Duration took = await(RELOAD_LIMIT, () -> source.currentVersion().equals("v2"), "atomic replace to v2");
                LOG.info("atomic replace visible after {} ms", took.toMillis());
                assertThat(source.current().scene("qa").layer(StageKind.RECALL).arm("hybrid")).isNotNull();

                Files.writeString(file, valid("v3", "inplace")); // truncates and rewrites the same inode
                took = await(RELOAD_LIMIT, () -> source.currentVersion().equals("v3"), "in-place write to v3");
                LOG.info("in-place write visible after {} ms", took.toMillis());
                assertThat(source.current().scene("qa").layer(StageKind.RECALL).arm("inplace")).isNotNull();
            }
            await(RELOAD_LIMIT, () -> heard.size() == 2, "listener calls");
            assertThat(heard).containsExactly("v2", "v3");
            assertThat(source.acceptedReloads()).isEqualTo(2);
            assertThat(source.rejectedReloads()).isZero();
            assertThat(source.lastRejection()).isEmpty();
        }
    }

    @Test
    void invalidChangesAreRejectedAndTheRunningConfigStays() throws Exception {
        Path file = dir.resolve("experiments.yaml");
        Files.writeString(file, valid("v1", "sparse"));
        // The server's validator builds pipelines; this one refuses an unknown stage type the same way.
        ConfigValidator validator = config -> config.scenes().values().forEach(scene -> scene.layers().forEach(layer ->
                layer.arms().forEach(arm -> {
                    if (arm.type().equals("bogus")) {
                        throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "arm " + arm.name() + ": unknown recall type 'bogus'");
                    }
                })));
        try (FileConfigSource source = new FileConfigSource(file, validator)) {
            List<String> heard = new CopyOnWriteArrayList<>();
            source.addListener(c -> heard.add(c.version()));
            try (Reader reader = new Reader(source)) {
                replaceAtomically(file, invalid("v2"));
                await(RELOAD_LIMIT, () -> source.rejectedReloads() == 1, "rejection of a negative weight");
                assertThat(source.lastRejection()).get().asString()
                        .contains("scenes.qa.layers[0].arms[1].weight: must be >= 0, got -5 (line 10)");
                assertThat(source.currentVersion()).isEqualTo("v1");

                replaceAtomically(file, valid("v3", "sparse").replace("type: bm25", "type: bogus"));
                await(RELOAD_LIMIT, () -> source.rejectedReloads() == 2, "rejection by the validator");
                assertThat(source.lastRejection()).get().asString().contains("unknown recall type 'bogus'");

                replaceAtomically(file, valid("v1", "changed-but-same-version"));
                await(RELOAD_LIMIT, () -> source.rejectedReloads() == 3, "rejection of an unchanged version");
                assertThat(source.lastRejection()).get().asString().contains("its version is still 'v1'");
                assertThat(source.currentVersion()).isEqualTo("v1");

                // A valid change after rejections is still taken.
                replaceAtomically(file, valid("v4", "hybrid"));
                await(RELOAD_LIMIT, () -> source.currentVersion().equals("v4"), "v4 after rejections");
            }
            assertThat(heard).containsExactly("v4");
            assertThat(source.acceptedReloads()).isEqualTo(1);
            assertThat(source.rejectedReloads()).isEqualTo(3);
        }
    }

    @Test
    void sameContentRewrittenIsNotAReloadAndADeletedFileKeepsServing() throws Exception {
        Path file = dir.resolve("experiments.yaml");
        Files.writeString(file, valid("v1", "sparse"));
        try (FileConfigSource source = new FileConfigSource(file, null, Duration.ofMillis(100))) {
            ExperimentConfig first = source.current();
            replaceAtomically(file, valid("v1", "sparse") + "# only a comment changed\n");
            Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
            Thread.sleep(500); // several polls and events: none may change or count anything
            assertThat(source.current()).isSameAs(first);
            Files.delete(file);
            Thread.sleep(500);
            assertThat(source.current()).isSameAs(first);
            assertThat(source.acceptedReloads()).isZero();
            assertThat(source.rejectedReloads()).isZero();

            Files.writeString(file, valid("v2", "back"));
            await(RELOAD_LIMIT, () -> source.currentVersion().equals("v2"), "recreated file");
            assertThat(source.acceptedReloads()).isEqualTo(1);
        }
    }

    @Test
    void symlinkSwapsLikeKubernetesConfigMapsAreSeen() throws Exception {
        // Kubernetes mounts: experiments.yaml -> ..data/experiments.yaml, ..data -> ..<timestamp>/;
        // an update swaps the ..data link, so the directory's events never name experiments.yaml.
        Path v1 = Files.createDirectories(dir.resolve("..2026_v1"));
        Path v2 = Files.createDirectories(dir.resolve("..2026_v2"));
        Files.writeString(v1.resolve("experiments.yaml"), valid("v1", "sparse"));
        Files.writeString(v2.resolve("experiments.yaml"), valid("v2", "hybrid"));
        Files.createSymbolicLink(dir.resolve("..data"), v1.getFileName());
        Path file = Files.createSymbolicLink(dir.resolve("experiments.yaml"), Path.of("..data/experiments.yaml"));
        try (FileConfigSource source = new FileConfigSource(file, ConfigValidator.ACCEPT_ALL)) {
            assertThat(source.currentVersion()).isEqualTo("v1");
            Path link = Files.createSymbolicLink(dir.resolve("..data_tmp"), v2.getFileName());
            Files.move(link, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Duration took = await(RELOAD_LIMIT, () -> source.currentVersion().equals("v2"), "symlink swap to v2");
            LOG.info("symlink swap visible after {} ms", took.toMillis());
        }
    }

    @Test
    void aMissingOrInvalidFileIsAStartupError() throws IOException {
        Path missing = dir.resolve("nope.yaml");
        assertThatThrownBy(() -> new FileConfigSource(missing, null))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND))
                .hasMessageContaining(missing.toString()).hasMessageContaining("does not exist");
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, invalid("v1"));
        assertThatThrownBy(() -> new FileConfigSource(bad, null))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("file:" + bad)
                .hasMessageContaining("scenes.qa.layers[0].arms[1].weight: must be >= 0");
        Path refused = dir.resolve("refused.yaml");
        Files.writeString(refused, valid("v1", "sparse"));
        assertThatThrownBy(() -> new FileConfigSource(refused, c -> {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "no pipelines today");
        })).isInstanceOf(MmsearchException.class).hasMessage("no pipelines today");
    }

    @Test
    void closeStopsWatchingAndKeepsTheLastConfig() throws Exception {
        Path file = dir.resolve("experiments.yaml");
        Files.writeString(file, valid("v1", "sparse"));
        FileConfigSource source = new FileConfigSource(file, null, Duration.ofMillis(50));
        source.close();
        source.close(); // idempotent
        Files.writeString(file, valid("v2", "hybrid"));
        Thread.sleep(300);
        assertThat(source.currentVersion()).isEqualTo("v1");
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("mmsearch-config-watch") && t.isAlive());
    }
}
