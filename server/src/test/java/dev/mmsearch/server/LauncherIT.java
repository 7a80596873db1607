package dev.mmsearch.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code ./mmsearch} launcher script: JDK discovery and running the built jar. */
class LauncherIT {
    static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    static final Path LAUNCHER = ROOT.resolve("mmsearch");

    record Run(int exit, String output) {
    }

    static Run run(Map<String, String> env, String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder();
        pb.command().add("bash");
        pb.command().add(LAUNCHER.toString());
        pb.command().addAll(List.of(args));
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/bin:/bin");
        pb.environment().put("HOME", System.getProperty("user.home"));
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("launcher did not finish in 120 s");
        }
        return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void withoutAJdk21ItExitsWithAClearMessage(@TempDir Path empty) throws Exception {
        Run r = run(Map.of("MMSEARCH_JVM_DIRS", empty.toString(), "JAVA_HOME", empty.toString()), "--version");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.output()).contains("no Java 21 or newer found").contains("JAVA_HOME");
    }

    @Test
    void findsAJdkAndRunsTheBuiltJar(@TempDir Path dataDir) throws Exception {
        assertThat(ROOT.resolve("server/target/mmsearch-exec.jar")).as("built by the package phase").exists();
        String javaHome = System.getProperty("java.home");
        Run version = run(Map.of("JAVA_HOME", javaHome), "--version");
        assertThat(version.exit()).as(version.output()).isZero();
        assertThat(version.output()).contains("mmsearch 0.1.0").doesNotContain("building");
        Run collections = run(Map.of("JAVA_HOME", javaHome, "MMSEARCH_DATA_DIR", dataDir.toString()), "collections");
        assertThat(collections.exit()).as(collections.output()).isZero();
        assertThat(collections.output()).contains("no collections in " + dataDir.resolve("collections"));
        Run models = run(Map.of("JAVA_HOME", javaHome), "models", "list");
        assertThat(models.output()).contains("bge-small-en-v1.5").contains("127.6 MiB").doesNotContain("?");
        assertThat(Files.exists(dataDir.resolve("models"))).as("listing models extracts nothing").isFalse();
    }
}
