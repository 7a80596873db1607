package dev.mmsearch.server.arch;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shape of the main code, checked on every build: dependencies between packages flow one way (no cycle, e.g. the
 * old {@code inference <-> inference.clip}), and no source file grows past {@value #MAX_LINES} lines (the store
 * implementations and {@code app.js} once did). The server's test classpath holds every product module except the
 * benchmarks.
 */
class CodeShapeTest {
    static final int MAX_LINES = 600;

    @Test
    void noPackageCycleInMainCode() {
        JavaClasses classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS) // main classes: directories or module jars
                .importPackages("dev.mmsearch");
        assertThat(classes.size()).as("main classes found").isGreaterThan(200);
        slices().matching("dev.mmsearch.(**)").should().beFreeOfCycles().check(classes);
    }

    @Test
    void noMainSourceFileIsLongerThanTheLimit() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        List<String> tooLong = new ArrayList<>();
        int files = 0;
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.filter(CodeShapeTest::isMainSource).toList()) {
                files++;
                long lines;
                try (Stream<String> content = Files.lines(path)) {
                    lines = content.count();
                }
                if (lines > MAX_LINES) {
                    tooLong.add(root.relativize(path) + " (" + lines + " lines)");
                }
            }
        }
        assertThat(files).as("main source files found under " + root).isGreaterThan(200);
        assertThat(tooLong).as("main source files over " + MAX_LINES + " lines").isEmpty();
    }

    private static boolean isMainSource(Path path) {
        String p = path.toString().replace('\\', '/');
        if (p.contains("/target/") || p.contains("/node_modules/") || p.contains("/.git/")) {
            return false;
        }
        return (p.endsWith(".java") && p.contains("/src/main/java/"))
                || (p.endsWith(".js") && p.contains("/src/main/resources/static/"));
    }
}
