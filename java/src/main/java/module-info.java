/**
 * jgrad: tensors with reverse-mode automatic differentiation, their operations running in a native
 * C++/CUDA core, and a training stack in PyTorch's terms.
 *
 * <pre>{@code Tensor x = Tensor.scalar(2.0).requiresGrad(true); x.pow(2).backward(); x.grad(); // 4}</pre>
 *
 * <p>On the module path, the platform modules of JavaCPP's native libraries (for example
 * {@code org.bytedeco.javacpp.linux.x86_64} and {@code org.bytedeco.openblas.linux.x86_64}) are
 * needed at run time but required by no module; add them with {@code --add-modules} (or
 * {@code --add-modules ALL-MODULE-PATH}).
 */
module org.jgrad {
    requires org.bytedeco.javacpp;
    requires org.bytedeco.openblas;
    requires org.bytedeco.cuda;
    requires com.google.gson;

    exports org.jgrad;
    exports org.jgrad.nn;
    exports org.jgrad.optim;
    exports org.jgrad.data;
    exports org.jgrad.io;

    // the distributed collectives (jgrad-spark) hand tensors' memory to Gloo and NCCL
    exports org.jgrad.internal to org.jgrad.spark;

    // JavaCPP's loader reads the generated binding's annotations and fields reflectively
    opens org.jgrad.internal.bind to org.bytedeco.javacpp;
}
