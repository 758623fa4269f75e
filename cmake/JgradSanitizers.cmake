# AddressSanitizer + UndefinedBehaviorSanitizer for the native test build (JGRAD_SANITIZE=ON).
function(jgrad_sanitize target)
  if(JGRAD_SANITIZE)
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer>)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()
