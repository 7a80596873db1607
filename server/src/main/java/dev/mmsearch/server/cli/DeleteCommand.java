package dev.mmsearch.server.cli;

import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.store.lucene.LuceneCollectionStore;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code mmsearch delete}: removes documents from a collection by id and commits. Loads no model. */
@Command(name = "delete", mixinStandardHelpOptions = true,
        description = "Delete documents from a collection by id (ids that do not exist are ignored).")
public class DeleteCommand implements Callable<Integer> {
    @Mixin
    DataDirOption common;

    @Option(names = {"-c", "--collection"}, required = true, description = "Collection to delete from.")
    String collection;

    @Option(names = "--id", required = true, arity = "1..*", paramLabel = "ID", description = "Document ids to delete.")
    List<String> ids;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try (LuceneCollectionStore store = new LuceneCollectionStore(common.dataDirectory().collections())) {
            SearchCollection target = store.get(collection);
            int present = target.fetch(ids).size();
            target.delete(ids);
            target.commit();
            spec.commandLine().getOut().printf("deleted %d of %d ids from %s; %d documents left%n", present, ids.size(),
                    collection, target.count());
            spec.commandLine().getOut().flush();
        }
        return 0;
    }
}
