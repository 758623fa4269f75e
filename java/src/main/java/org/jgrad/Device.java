package org.jgrad;

import java.util.Objects;

/** Where a tensor's memory lives: the CPU or a CUDA device. {@code Tensor x = Tensor.zeros(3).to(Device.cuda(0));} */
public final class Device {
    /** Kinds of device. */
    public enum Type {
        /** The host processor. */
        CPU,
        /** An NVIDIA GPU. */
        CUDA
    }

    /** Host memory. */
    public static final Device CPU = new Device(Type.CPU, -1);
    /** The first CUDA device. */
    public static final Device CUDA = new Device(Type.CUDA, 0);

    private final Type type;
    private final int index;

    private Device(Type type, int index) {
        this.type = type;
        this.index = index;
    }

    /** CUDA device number {@code index}, e.g. {@code Device.cuda(0)}. */
    public static Device cuda(int index) {
        if (index < 0) throw new IllegalArgumentException("Device.cuda: index must be >= 0, got " + index);
        return index == 0 ? CUDA : new Device(Type.CUDA, index);
    }

    /** CPU or CUDA. */
    public Type type() {
        return type;
    }

    /** The device number for CUDA, -1 for the CPU. */
    public int index() {
        return index;
    }

    /** Whether this is the CPU. */
    public boolean isCpu() {
        return type == Type.CPU;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Device && ((Device) o).type == type && ((Device) o).index == index;
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, index);
    }

    @Override
    public String toString() {
        return type == Type.CPU ? "cpu" : "cuda:" + index;
    }
}
