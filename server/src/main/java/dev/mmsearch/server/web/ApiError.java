package dev.mmsearch.server.web;

/** The JSON body of every error answer: a stable machine code and a message for people. */
public record ApiError(String code, String message) {
}
