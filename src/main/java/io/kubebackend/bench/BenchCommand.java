package io.kubebackend.bench;

import picocli.CommandLine.Command;

/** {@code kube-backend bench <what>}: benchmarks that print numbers. They are not tests and assert nothing. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Run a benchmark and print its numbers.",
    subcommands = {MirrorBench.class, EventsBenchmark.class})
public final class BenchCommand {}
