package org.jgrad.internal.presets;

import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;
import org.bytedeco.javacpp.tools.Info;
import org.bytedeco.javacpp.tools.InfoMap;
import org.bytedeco.javacpp.tools.InfoMapper;

/**
 * JavaCPP description of the native core's C API ({@code native/include/jgrad/jgrad.h}). The build
 * runs JavaCPP's parser on it to write {@code org.jgrad.internal.bind.JgradNative}, then its
 * compiler to build the JNI library that the jar carries beside {@code libjgrad}.
 */
@Properties(
        target = "org.jgrad.internal.bind",
        global = "org.jgrad.internal.bind.JgradNative",
        value = @Platform(include = "jgrad/jgrad.h", link = "jgrad"))
public class JgradPresets implements InfoMapper {
    @Override
    public void map(InfoMap infoMap) {
        infoMap.put(new Info("JGRAD_JGRAD_H").cppTypes().annotations());
    }
}
