package org.jgrad.internal;

/** A CUDA runtime error; the message starts with the CUDA error name (e.g. cudaErrorIllegalAddress). */
public final class CudaException extends NativeException {
    public CudaException(String message, int status) {
        super(message, status);
    }
}
