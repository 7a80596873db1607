package dev.mmsearch.server.cli;

import dev.mmsearch.core.CollectionStore;
import dev.mmsearch.core.SearchCollection;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mmsearch optimize}: merges a collection's index into one segment ({@link SearchCollection#optimize()}).
 * {@code index}, {@code import} and {@code reindex} already do it after a bulk load; this is for a collection grown
 * by many small additions. Loads no model.
 */
@Command(name = "optimize", mixinStandardHelpOptions = true,
        description = "Merge a collection's index into one segment so vector search walks one graph (index, import"
                + " and reindex do this after a bulk load). It rewrites the index: it takes time and, for a while,"
                + " twice the disk space; searches keep working.")
public class OptimizeCommand implements Callable<Integer> {
    @Mixin
    DataDirOption common;

    @Option(names = {"-c", "--collection"}, required = true, description = "Collection to merge.")
    String collection;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try (CollectionStore store = common.openStore()) {
            SearchCollection target = store.get(collection);
            long t0 = System.nanoTime();
            int before = target.optimize();
            spec.commandLine().getOut().printf(Locale.ROOT, "optimized %s: %d documents, %s segments before, 1 after, %.1f s%n",
                    collection, target.count(), before < 0 ? "?" : Integer.toString(before), (System.nanoTime() - t0) / 1e9);
            spec.commandLine().getOut().flush();
        }
        return 0;
    }
}
