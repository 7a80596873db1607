package dev.mmsearch.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packages of this module depend on each other in one direction only (today: {@code bundle} <- {@code onnx} <-
 * {@code clip} <- the root package <- {@code hub}). Read from the main sources: every {@code import} of a
 * {@code dev.mmsearch.inference} type, and every such fully qualified name in code (comments and string literals are
 * skipped, so a Javadoc link to a higher layer is allowed).
 */
class PackageCycleTest {

    private static final String ROOT = "dev.mmsearch.inference";
    private static final Path SOURCES = Path.of("src", "main", "java");
    private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
    private static final Pattern REFERENCE = Pattern.compile("\\b" + Pattern.quote(ROOT) + "(?:\\.\\w+)*");
    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\\\n]|\\\\.)*\"");
    private static final Pattern COMMENT = Pattern.compile("/\\*.*?\\*/|//[^\\n]*", Pattern.DOTALL);

    @Test
    void packageDependenciesHaveNoCycle() throws IOException {
        Map<String, Map<String, Set<String>>> graph = dependencies();
        assertThat(graph.keySet()).as("packages found under " + SOURCES.toAbsolutePath())
                .contains(ROOT, ROOT + ".bundle", ROOT + ".onnx", ROOT + ".clip", ROOT + ".hub");
        List<String> cycle = findCycle(graph);
        if (!cycle.isEmpty()) {
            StringBuilder why = new StringBuilder("package cycle " + String.join(" -> ", cycle) + ":");
            for (int i = 0; i + 1 < cycle.size(); i++) {
                why.append("\n  ").append(cycle.get(i)).append(" -> ").append(cycle.get(i + 1)).append(" in ")
                        .append(graph.get(cycle.get(i)).get(cycle.get(i + 1)));
            }
            fail(why + "\nMove the type one of them needs so that dependencies flow one way.");
        }
    }

    /** package -> (package it depends on -> files that make it depend). */
    private static Map<String, Map<String, Set<String>>> dependencies() throws IOException {
        Map<Path, String> packageOf = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher m = PACKAGE.matcher(Files.readString(file, StandardCharsets.UTF_8));
                packageOf.put(file, m.find() ? m.group(1) : "");
            }
        }
        Set<String> packages = new TreeSet<>(packageOf.values());
        Map<String, Map<String, Set<String>>> graph = new TreeMap<>();
        packages.forEach(p -> graph.put(p, new TreeMap<>()));
        for (Map.Entry<Path, String> file : packageOf.entrySet()) {
            String code = Files.readString(file.getKey(), StandardCharsets.UTF_8);
            code = COMMENT.matcher(STRING.matcher(code).replaceAll("\"\"")).replaceAll(" ");
            code = PACKAGE.matcher(code).replaceAll(" ");
            Matcher m = REFERENCE.matcher(code);
            while (m.find()) {
                String target = packageOf(m.group(), packages);
                if (target != null && !target.equals(file.getValue())) {
                    graph.get(file.getValue()).computeIfAbsent(target, k -> new TreeSet<>())
                            .add(file.getKey().getFileName().toString());
                }
            }
        }
        return graph;
    }

    /** The longest known package that {@code name} (a type, a nested type or a package) lies in. */
    private static String packageOf(String name, Set<String> packages) {
        String candidate = name;
        while (!packages.contains(candidate)) {
            int dot = candidate.lastIndexOf('.');
            if (dot < 0) {
                return null;
            }
            candidate = candidate.substring(0, dot);
        }
        return candidate;
    }

    /** A cycle as a path that starts and ends with the same package, or empty. */
    private static List<String> findCycle(Map<String, Map<String, Set<String>>> graph) {
        Set<String> done = new TreeSet<>();
        for (String start : graph.keySet()) {
            List<String> cycle = visit(start, graph, new ArrayList<>(), done);
            if (!cycle.isEmpty()) {
                return cycle;
            }
        }
        return List.of();
    }

    private static List<String> visit(String node, Map<String, Map<String, Set<String>>> graph, List<String> path,
                                      Set<String> done) {
        int seen = path.indexOf(node);
        if (seen >= 0) {
            List<String> cycle = new ArrayList<>(path.subList(seen, path.size()));
            cycle.add(node);
            return cycle;
        }
        if (done.contains(node)) {
            return List.of();
        }
        path.add(node);
        for (String next : graph.get(node).keySet()) {
            List<String> cycle = visit(next, graph, path, done);
            if (!cycle.isEmpty()) {
                return cycle;
            }
        }
        path.removeLast();
        done.add(node);
        return List.of();
    }
}
