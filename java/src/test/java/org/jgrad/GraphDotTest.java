package org.jgrad;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jgrad.nn.Functional;
import org.jgrad.nn.Linear;
import org.jgrad.nn.ReLU;
import org.jgrad.nn.Sequential;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Autograd.toDot: the text of a small model's graph, and Graphviz's verdict on it where dot is installed. */
class GraphDotTest {
    @Test
    void aModelsGraphHasOneBoxPerOpNamedLeavesAndEdgesFromInputs(@TempDir Path dir) throws Exception {
        try (Scope s = Scope.open()) {
            Tensor.manualSeed(1);
            Sequential net = new Sequential(new Linear(4, 3), new ReLU(), new Linear(3, 2));
            Tensor x = Tensor.randn(5, 4), y = Tensor.of(new long[] {0, 1, 1, 0, 1});
            Tensor loss = Functional.crossEntropy(net.forward(x), y);
            String dot = Autograd.toDot(loss, net.namedParameters());
            assertTrue(dot.startsWith("digraph autograd {") && dot.trim().endsWith("}"), dot);
            assertTrue(dot.contains("out [label=\"output\\n[] FLOAT32\""), dot);
            for (String leaf : List.of("0.weight\\n[3, 4] FLOAT32", "0.bias\\n[3] FLOAT32", "2.weight\\n[2, 3] FLOAT32", "2.bias\\n[2] FLOAT32")) {
                assertTrue(dot.contains(leaf), leaf + " in\n" + dot);
            }
            assertTrue(dot.contains("MmBackward0\\n[5, 3] FLOAT32"), dot);
            assertTrue(dot.contains("ReluBackward0") || dot.contains("ReLUBackward0"), dot);
            // each node is declared once and every edge joins declared nodes; the graph is a tree of
            // 4 leaves under the loss, so there is one edge fewer than nodes (out included)
            Matcher decl = Pattern.compile("(?m)^  (n\\d+|out) \\[label=").matcher(dot);
            java.util.Set<String> nodes = new java.util.HashSet<>();
            while (decl.find()) assertTrue(nodes.add(decl.group(1)), "declared twice: " + decl.group(1));
            Matcher edge = Pattern.compile("(?m)^  (n\\d+) -> (n\\d+|out);").matcher(dot);
            int edges = 0;
            while (edge.find()) {
                assertTrue(nodes.contains(edge.group(1)) && nodes.contains(edge.group(2)), edge.group());
                edges++;
            }
            assertEquals(nodes.size() - 1, edges, dot);
            // without names the leaves are "leaf"; a tensor without a graph is the output alone
            assertTrue(Autograd.toDot(loss).contains("leaf\\n[3, 4] FLOAT32"));
            assertEquals(1, Autograd.toDot(Tensor.ones(2)).split("label=").length - 1);
            Path file = dir.resolve("graph.dot");
            Autograd.writeDot(loss, net.namedParameters(), file);
            assertEquals(dot, Files.readString(file));
            if (onPath("dot")) {
                Process p = new ProcessBuilder("dot", "-Tsvg", file.toString(), "-o", dir.resolve("graph.svg").toString()).redirectErrorStream(true).start();
                assertTrue(p.waitFor(60, TimeUnit.SECONDS));
                String err = new String(p.getInputStream().readAllBytes());
                assertEquals(0, p.exitValue(), err);
                assertTrue(Files.readString(dir.resolve("graph.svg")).contains("<svg"));
            }
        }
    }

    static boolean onPath(String cmd) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, cmd))) return true;
        }
        return false;
    }
}
