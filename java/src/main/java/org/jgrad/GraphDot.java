package org.jgrad;

import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The recorded graph behind a tensor as Graphviz DOT, drawn as torchviz draws PyTorch's: the
 * output (green), one box per op (its grad_fn name, output shape and dtype), the leaves that
 * receive gradients (blue, named where a name is known), and an edge from each input to the op
 * that consumed it.
 */
final class GraphDot {
    private GraphDot() {}

    static String toDot(Tensor root, Map<String, Tensor> names) {
        root.checkOpen();
        IdentityHashMap<Tensor, String> nameOf = new IdentityHashMap<>();
        if (names != null) for (Map.Entry<String, Tensor> e : names.entrySet()) if (e.getValue() != null) nameOf.putIfAbsent(e.getValue(), e.getKey());
        StringBuilder sb = new StringBuilder("digraph autograd {\n");
        sb.append("  graph [rankdir=BT];\n  node [shape=box, style=filled, fillcolor=lightgray, fontname=\"monospace\", fontsize=10];\n");
        sb.append("  out [label=\"").append(label("output", root.shape, root.dtype)).append("\", fillcolor=darkolivegreen1];\n");
        Node top = root.gradFn() != null ? root.gradFn() : root.requiresGrad ? root.accumulator : null;
        if (top == null) return sb.append("}\n").toString();
        IdentityHashMap<Node, String> ids = new IdentityHashMap<>();
        ArrayDeque<Node> work = new ArrayDeque<>();
        ids.put(top, "n0");
        work.add(top);
        StringBuilder edges = new StringBuilder("  n0 -> out;\n");
        while (!work.isEmpty()) {
            Node n = work.poll();
            String id = ids.get(n);
            if (n.isAccumulator()) {
                String nm = nameOf.get(n.leaf);
                sb.append("  ").append(id).append(" [label=\"").append(label(nm == null ? "leaf" : nm, n.leaf.shape, n.leaf.dtype))
                        .append("\", fillcolor=lightblue];\n");
                continue;
            }
            sb.append("  ").append(id).append(" [label=\"").append(label(n.name(), n.outShape, n.outDtype)).append("\"];\n");
            for (Node m : n.next) {
                if (m == null) continue;
                String mid = ids.get(m);
                if (mid == null) {
                    mid = "n" + ids.size();
                    ids.put(m, mid);
                    work.add(m);
                }
                edges.append("  ").append(mid).append(" -> ").append(id).append(";\n");
            }
        }
        return sb.append(edges).append("}\n").toString();
    }

    /** "title\n[2, 3] FLOAT32", escaped for a quoted DOT string. */
    private static String label(String title, long[] shape, DType dtype) {
        String t = title.replace("\\", "\\\\").replace("\"", "\\\"");
        return t + "\\n" + (shape == null ? "" : Shapes.str(shape)) + (dtype == null ? "" : " " + dtype);
    }
}
