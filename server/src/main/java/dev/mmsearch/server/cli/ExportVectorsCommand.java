package dev.mmsearch.server.cli;

import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.server.demo.VectorBundle;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mmsearch export-vectors}: writes a collection's vectors as a stamped vector bundle
 * (the format the demo ships, see {@link VectorBundle}). Loads no model.
 */
@Command(name = "export-vectors", mixinStandardHelpOptions = true,
        description = "Write a collection's document vectors, stamped with its model, to a vector bundle file.")
public class ExportVectorsCommand implements Callable<Integer> {
    @Mixin
    DataDirOption common;

    @Option(names = {"-c", "--collection"}, required = true, description = "Collection to export.")
    String collection;

    @Option(names = {"-o", "--out"}, required = true, description = "Bundle file to write (.vectors.gz).")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        try (dev.mmsearch.core.CollectionStore store = common.openStore()) {
            SearchCollection source = store.get(collection);
            Map<String, float[]> vectors = new LinkedHashMap<>();
            source.forEachDocument(d -> vectors.put(d.id(), d.vector()));
            Path parent = out.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
            try (OutputStream stream = Files.newOutputStream(tmp)) {
                VectorBundle.write(stream, source.stamp(), vectors);
            }
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            spec.commandLine().getOut().printf("wrote %d vectors of %s (%s) to %s%n", vectors.size(), collection,
                    source.stamp().describe(), out);
            spec.commandLine().getOut().flush();
        }
        return 0;
    }
}
