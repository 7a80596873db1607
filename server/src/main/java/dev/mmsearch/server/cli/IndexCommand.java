package dev.mmsearch.server.cli;

import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.CollectionStore;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.core.ImageEncoder;
import dev.mmsearch.core.ImageRoots;
import dev.mmsearch.ingest.DocumentEmbedder;
import dev.mmsearch.ingest.ImageFolderSource;
import dev.mmsearch.core.HnswOptions;
import dev.mmsearch.core.TextAnalyzer;
import dev.mmsearch.core.VectorEncoding;
import dev.mmsearch.ingest.ConsoleIndexProgress;
import dev.mmsearch.ingest.ErrorPolicy;
import dev.mmsearch.ingest.IndexOptions;
import dev.mmsearch.ingest.IndexProgress;
import dev.mmsearch.ingest.IndexSummary;
import dev.mmsearch.ingest.Indexer;
import dev.mmsearch.ingest.InputCheckpoint;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.ingest.ResumePlan;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.server.Engine;
import dev.mmsearch.server.remote.RemoteCollections;
import dev.mmsearch.server.remote.RemoteIndexer;
import dev.mmsearch.server.remote.RemoteServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code mmsearch index}: embed a JSONL or CSV/TSV file and write it into a collection. */
@Command(name = "index", mixinStandardHelpOptions = true,
        description = "Embed and index a JSONL file (one object a line with an id; the BEIR layout {\"_id\",\"title\",\"text\"} works as is)"
                + " or a CSV/TSV file with a header row and an id (or _id) column.")
public class IndexCommand implements Callable<Integer> {
    @Mixin
    DataDirOption common;

    @Mixin
    ServerOptions remote;

    @Option(names = {"-c", "--collection"}, required = true, description = "Collection to write (created if missing).")
    String collection;

    @Option(names = {"-i", "--input"}, required = true,
            description = "Input file: .jsonl, .csv or .tsv, each optionally .gz; or a folder of images (with a CLIP"
                    + " model: JPEG, PNG, GIF, WebP, BMP, searched recursively).")
    Path input;

    @Option(names = "--metadata", paramLabel = "FILE",
            description = "For an image folder: JSON lines with \"path\" (relative to the folder) and more fields per"
                    + " image, e.g. captions.")
    Path metadata;

    @Option(names = "--image-field", paramLabel = "FIELD",
            description = "For a JSONL/CSV input of an image collection: the field holding each image's path (under"
                    + " an --image-root). An image folder uses the field 'image'.")
    String imageField;

    @Option(names = "--model", defaultValue = ModelRegistry.DEFAULT_MODEL,
            description = "Model id for a new collection (default: ${DEFAULT-VALUE}); an existing collection must use its own.")
    String model;

    @Option(names = "--embed", defaultValue = "{title} {text}",
            description = "Text to embed, with {field} placeholders (default: ${DEFAULT-VALUE}).")
    String embedTemplate;

    @Option(names = "--text-fields", split = ",", defaultValue = "title,text",
            description = "Fields searchable with BM25 (default: ${DEFAULT-VALUE}).")
    List<String> textFields;

    @Option(names = "--keyword-fields", split = ",", description = "Fields indexed as exact keywords.")
    List<String> keywordFields = List.of();

    @Option(names = "--numeric-fields", split = ",", description = "Fields indexed as numbers (range filters).")
    List<String> numericFields = List.of();

    @Mixin
    VectorIndexOptions vectorIndex = new VectorIndexOptions();

    @Option(names = "--on-error", defaultValue = "skip",
            description = "skip: report bad records and index the rest; fail: stop at the first (default: ${DEFAULT-VALUE}).")
    String onError;

    @Option(names = "--no-progress", description = "Do not draw a progress bar.")
    boolean noProgress;

    @Option(names = "--resume",
            description = "Continue an interrupted run: when the collection's last commit has a checkpoint of this same"
                    + " file (path, size, time, first MB), skip the records it covers; otherwise read everything and"
                    + " encode only documents the collection does not hold unchanged. With --server the checkpoint is"
                    + " the file DATA_DIR/push-checkpoints/HOST_PORT-COLLECTION.json (this command's --data-dir),"
                    + " rewritten after every chunk the server acknowledged; without a usable one everything is sent"
                    + " again, which is safe (documents are upserted by id).")
    boolean resume;

    @Option(names = "--chunk-size", paramLabel = "N", defaultValue = "" + RemoteIndexer.Options.DEFAULT_CHUNK_DOCUMENTS,
            description = "With --server: documents per bulk request (default: ${DEFAULT-VALUE}); a request is also"
                    + " kept under 1 MB, and " + RemoteIndexer.Options.DEFAULT_IN_FLIGHT + " are in flight at once.")
    int chunkSize;

    @Option(names = "--commit-every", paramLabel = "N", defaultValue = "" + IndexOptions.DEFAULT_COMMIT_EVERY,
            description = "Commit (and checkpoint) at the end of the first window after N batches (default: ${DEFAULT-VALUE}).")
    int commitEvery;

    @Option(names = "--analyzer", paramLabel = "NAME", defaultValue = "english",
            description = "How a new collection's text fields are analysed for BM25 and highlighting: english"
                    + " (default), chinese (word segmentation), cjk (bigrams), standard, icu (many languages). An"
                    + " existing collection keeps its own.")
    String analyzer;

    @Option(names = "--passages", paramLabel = "FIELD[:WINDOW[:OVERLAP]]",
            description = "Split a new collection's text field FIELD into passages of at most WINDOW tokens of the"
                    + " model (default: what its limit leaves), each embedded on its own, OVERLAP tokens repeated"
                    + " between passages (default: 10% of the window). An existing collection keeps its own.")
    String passages;

    @Option(names = "--vector", paramLabel = "NAME=TEMPLATE[@MODEL]",
            description = "Add a named vector field to a new text collection: TEMPLATE (e.g. '{title}') embedded by"
                    + " MODEL (default: --model), e.g. --vector 'title_emb={title}@bge-small-en-v1.5'; repeatable."
                    + " Search it with \"vectorField\". An existing collection keeps its own.")
    List<String> vectors = new java.util.ArrayList<>();

    @Spec
    CommandSpec spec;

    /** The {@code --vector} fields, each with the stamp of its model (default: the collection's). */
    private List<dev.mmsearch.core.VectorField> vectorFields(Engine engine, String defaultModel) {
        List<dev.mmsearch.core.VectorField> fields = new java.util.ArrayList<>();
        for (String spec : vectors) {
            int eq = spec.indexOf('=');
            if (eq < 1 || eq == spec.length() - 1) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "--vector '" + spec + "' is not"
                        + " NAME=TEMPLATE[@MODEL], e.g. 'title_emb={title}@bge-small-en-v1.5'");
            }
            String rest = spec.substring(eq + 1);
            int at = rest.lastIndexOf('@');
            String template = at > 0 ? rest.substring(0, at) : rest;
            String fieldModel = at > 0 ? rest.substring(at + 1) : defaultModel;
            fields.add(dev.mmsearch.core.VectorField.text(spec.substring(0, eq), template,
                    engine.encoders().textEncoder(fieldModel).stamp()));
        }
        return fields;
    }

    @Override
    public Integer call() {
        CollectionStore.validateName(collection);
        VectorEncoding encoding = vectorIndex.encoding(VectorEncoding.FLOAT32);
        boolean folder = java.nio.file.Files.isDirectory(input);
        String imageFieldName = folder ? ImageFolderSource.IMAGE_FIELD : imageField;
        boolean textFieldsGiven = spec.commandLine().getParseResult().hasMatchedOption("--text-fields");
        CollectionSchema schema = imageFieldName == null
                ? new CollectionSchema(embedTemplate, textFields, keywordFields, numericFields)
                : CollectionSchema.images(imageFieldName, textFieldsGiven ? textFields : List.of("captions", "caption"),
                keywordFields, numericFields);
        schema = schema.withHnsw(vectorIndex.hnsw(HnswOptions.DEFAULT)).withAnalyzer(TextAnalyzer.parse(analyzer))
                .withPassages(passages == null ? null : dev.mmsearch.core.PassageOptions.parse(passages));
        IndexOptions options = IndexOptions.defaults().withBatchSize(common.batchSize).withCommitEvery(commitEvery)
                .withErrorPolicy(ErrorPolicy.parse(onError)).withResume(resume);
        if (remote.remote()) {
            if (!vectors.isEmpty()) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "--vector names models the server must load:"
                        + " create the collection with PUT /api/v1/collections/" + collection + " and \"vectors\","
                        + " then index into it with --server (the server embeds every field)");
            }
            return push(schema, encoding, folder);
        }
        try (Engine engine = new Engine(common.dataDirectory(), common.engineOptions())) {
            // An existing collection keeps its model unless --model names another one explicitly;
            // then getOrCreate refuses with an error naming both models.
            boolean modelGiven = spec.commandLine().getParseResult().hasMatchedOption("--model");
            String modelId = engine.store().exists(collection) && !modelGiven
                    ? engine.store().get(collection).stamp().modelId() : model;
            IndexProgress progress = noProgress ? IndexProgress.NONE : new ConsoleIndexProgress();
            IndexSummary summary;
            SearchCollection target = null;
            try {
                if (schema.isImageCollection()) {
                    ImageEncoder images = engine.encoders().imageEncoder(modelId);
                    target = engine.store().getOrCreate(collection, schema, images.stamp(), encoding);
                    ImageRoots roots = engine.imageRoots();
                    if (folder) {
                        engine.dataDirectory().recordImageRoot(input);
                        List<Path> all = new java.util.ArrayList<>(roots.roots());
                        all.add(input);
                        roots = ImageRoots.of(all);
                    }
                    DocumentEmbedder embedder = DocumentEmbedder.image(images, target.schema(), roots,
                            dev.mmsearch.image.ImageLimits.DEFAULTS.maxBytes());
                    if (folder) {
                        try (ImageFolderSource source = ImageFolderSource.open(input, metadata)) {
                            summary = Indexer.index(source, target, embedder, null, options, progress,
                                    engine.dataDirectory().reports());
                        }
                    } else {
                        summary = Indexer.index(input, target, embedder, null, options, progress,
                                engine.dataDirectory().reports());
                    }
                } else {
                    TextEncoder encoder = engine.encoders().textEncoder(modelId);
                    target = engine.store().getOrCreate(collection, schema.withVectors(vectorFields(engine, modelId)),
                            encoder.stamp(), encoding);
                    if (resume) {
                        spec.commandLine().getOut().println(ResumePlan.of(input, target).message());
                        spec.commandLine().getOut().flush();
                    }
                    DocumentEmbedder embedder = DocumentEmbedder.withNamedVectors(
                            DocumentEmbedder.text(encoder, target.schema()), collection, target.schema(),
                            engine.encoders(), null, 0);
                    summary = Indexer.index(input, target, embedder, null, options, progress,
                            engine.dataDirectory().reports());
                }
            } catch (MmsearchException e) {
                throw target != null && e.code() == ErrorCode.STORAGE_FULL ? withResumeHint(e, target) : e;
            }
            spec.commandLine().getOut().println(summary.toLine());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    /** --server: creates the collection over the API when it is missing, then streams the input to the bulk API. */
    private int push(CollectionSchema schema, VectorEncoding encoding, boolean folder) {
        if (folder || schema.isImageCollection()) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "--server takes JSONL and CSV/TSV files of text"
                    + " documents; the server's write API does not take images yet: index image collections without"
                    + " --server (stop the server first)");
        }
        RemoteServer server = remote.connect();
        boolean modelGiven = spec.commandLine().getParseResult().hasMatchedOption("--model");
        RemoteCollections.ensure(server, collection, schema, model, modelGiven, encoding);
        RemoteIndexer.Options options = RemoteIndexer.Options.defaults(ErrorPolicy.parse(onError), resume)
                .withChunkDocuments(chunkSize);
        IndexProgress progress = noProgress ? IndexProgress.NONE : new ConsoleIndexProgress();
        java.io.PrintWriter out = spec.commandLine().getOut();
        IndexSummary summary = RemoteIndexer.push(server, collection, input, java.util.Set.copyOf(schema.numericFields()),
                options, progress, common.dataDirectory().reports(),
                RemoteIndexer.checkpointFile(common.dataDirectory().root(), server, collection), note -> {
                    out.println(note);
                    out.flush();
                });
        out.println(summary.toLine());
        out.flush();
        return 0;
    }

    /** The store's disk-full error plus how this command continues: what the checkpoint covers, and --resume. */
    private MmsearchException withResumeHint(MmsearchException e, SearchCollection target) {
        Optional<InputCheckpoint> kept = InputCheckpoint.fromMap(target.checkpoint())
                .filter(c -> c.path().equals(input.toAbsolutePath().normalize().toString()));
        String hint = kept.isPresent()
                ? "its checkpoint covers the first " + kept.get().records() + " records of " + input
                + "; run the same `mmsearch index` command with --resume to continue after them"
                : "no checkpoint of " + input + " was committed; run the same `mmsearch index` command with --resume"
                + " to index it again, skipping documents the collection already holds unchanged";
        return new MmsearchException(e.code(), e.getMessage() + "; " + hint, e);
    }
}
