package dev.mmsearch.inference.bundle;

/** Which side of a two-tower search a text is on; decides the prefix the model expects. */
public enum TextSide {
    /** A user's search text; gets the model's query prefix. */
    QUERY,
    /** A text that is indexed; gets the model's document prefix. */
    DOCUMENT
}
