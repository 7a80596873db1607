package dev.mmsearch.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md lists exactly the {@code mmsearch.*} settings the server's code reads ({@code @Value} in
 * its main sources, and the settings named by constants), so the table cannot drift from the code.
 */
class ConfigurationDocTest {
    private static final Pattern VALUE = Pattern.compile("@Value\\(\"\\$\\{(mmsearch\\.[a-z0-9.-]+)");
    private static final Pattern SETTING = Pattern.compile("SETTING = \"(mmsearch\\.[a-z0-9.-]+)\"");
    private static final Pattern ROW = Pattern.compile("^\\| `(mmsearch\\.[a-z0-9.-]+)` \\|", Pattern.MULTILINE);

    @Test
    void theTableListsEverySettingTheCodeReadsAndNothingElse() throws IOException {
        Set<String> read = new TreeSet<>();
        try (Stream<Path> files = Files.walk(Path.of("src", "main", "java"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String source = Files.readString(file);
                for (Pattern pattern : new Pattern[] {VALUE, SETTING}) {
                    Matcher m = pattern.matcher(source);
                    while (m.find()) {
                        read.add(m.group(1));
                    }
                }
            }
        }
        Set<String> documented = new TreeSet<>();
        Matcher rows = ROW.matcher(Files.readString(Path.of("..", "docs", "configuration.md")));
        while (rows.find()) {
            documented.add(rows.group(1));
        }
        assertThat(read).as("settings the code reads").hasSizeGreaterThan(20);
        assertThat(documented).as("docs/configuration.md").containsExactlyElementsOf(read);
    }
}
