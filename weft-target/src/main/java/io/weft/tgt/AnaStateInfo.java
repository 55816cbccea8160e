package io.weft.tgt;

/** The ANA state of one group on one port, as the management API shows it. */
public record AnaStateInfo(int port, int group, String state) {}
