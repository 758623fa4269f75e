package org.jgrad.internal;

/**
 * A CUDA runtime error; the message starts with the CUDA error name (e.g. cudaErrorIllegalAddress).
 * {@code try { Cuda.synchronize(); } catch (CudaException e) { log(e.getMessage()); }}
 */
public final class CudaException extends NativeException {
    public CudaException(String message, int status) {
        super(message, status);
    }
}
