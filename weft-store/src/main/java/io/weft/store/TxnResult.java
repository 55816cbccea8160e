package io.weft.store;

/**
 * The outcome of a transaction: whether every comparison held (so the "then" branch ran) and the
 * store revision after it (unchanged when the branch that ran wrote nothing).
 */
public record TxnResult(boolean succeeded, long revision) {}
