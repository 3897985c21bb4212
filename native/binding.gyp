# leukodiff_trt: the TensorRT addon when TensorRT and CUDA are found (tools/detect.mjs), else a stub
# that exports `available: false` and the reason. Node's common.gypi compiles with -fno-exceptions:
# the sources use node-addon-api without C++ exceptions (errors are returned as Status values), but
# the TensorRT sources turn exceptions back on because NvOnnxParser.h of some 10.x releases has a
# try/catch in its inline createParser().
{
  'variables': {
    'leukodiff_trt%': '<!(node tools/detect.mjs enabled)',
  },
  'targets': [
    {
      'target_name': 'leukodiff_trt',
      'include_dirs': ["<!(node -p \"require('node-addon-api').include_dir\")"],
      'defines': ['NAPI_DISABLE_CPP_EXCEPTIONS', 'NAPI_VERSION=8'],
      'cflags_cc': ['-std=c++17', '-Wall', '-Wextra'],
      'conditions': [
        ['leukodiff_trt==1', {
          'sources': [
            'src/trt/addon.cc',
            'src/trt/engine.cc',
            'src/trt/logger.cc',
            'src/trt/status.cc',
          ],
          'cflags_cc!': ['-fno-exceptions'],
          'cflags_cc': ['-fexceptions', '<!@(node tools/detect.mjs cflags)'],
          'libraries': ['<!@(node tools/detect.mjs libraries)'],
        }, {
          'sources': ['src/stub.cc'],
          'defines': ['LEUKODIFF_TRT_REASON="<!(node tools/detect.mjs reason)"'],
        }],
      ],
    },
  ],
}
