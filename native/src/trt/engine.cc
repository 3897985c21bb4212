#include "engine.h"

#include <NvOnnxParser.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <type_traits>
#include <vector>

#include "logger.h"

namespace leukodiff {

namespace {

using nvinfer1::DataType;

constexpr char kInput[] = "images";
constexpr char kBoxes[] = "boxes";
constexpr char kScores[] = "scores";
constexpr char kContract[] =
    "the model does not match the detector contract (input images float32 [1,3,H,W]; outputs boxes "
    "float32 [1,N,4] and scores float32 [1,N,5])";

struct IoTensor {
  std::string name;
  bool isInput = false;
  std::vector<int64_t> dims;  // -1 for a dynamic dimension
  DataType type = DataType::kFLOAT;
};

struct Shapes {
  int64_t height = -1;
  int64_t width = -1;
  int64_t count = -1;
};

std::vector<int64_t> ToVector(const nvinfer1::Dims& dims) {
  std::vector<int64_t> out;
  for (int32_t i = 0; i < dims.nbDims; ++i) out.push_back(static_cast<int64_t>(dims.d[i]));
  return out;
}

nvinfer1::Dims MakeDims(std::initializer_list<int64_t> values) {
  using Dim = std::remove_reference_t<decltype(nvinfer1::Dims{}.d[0])>;  // int32_t in 8.x, int64_t from 10
  nvinfer1::Dims dims{};
  dims.nbDims = static_cast<int32_t>(values.size());
  int32_t i = 0;
  for (int64_t v : values) dims.d[i++] = static_cast<Dim>(v);
  return dims;
}

const char* TypeName(DataType type) {
  switch (type) {
    case DataType::kFLOAT:
      return "float32";
    case DataType::kHALF:
      return "float16";
    case DataType::kINT8:
      return "int8";
    case DataType::kINT32:
      return "int32";
    case DataType::kBOOL:
      return "bool";
    default:
      return "other";
  }
}

std::string Describe(const std::vector<IoTensor>& io) {
  std::string out;
  for (const IoTensor& t : io) {
    if (!out.empty()) out += ", ";
    out += t.name + " " + TypeName(t.type) + " [";
    for (std::size_t i = 0; i < t.dims.size(); ++i) out += (i ? "," : "") + std::to_string(t.dims[i]);
    out += t.isInput ? "] (input)" : "] (output)";
  }
  return out.empty() ? "no inputs or outputs" : out;
}

// dynamicOk: -1 is accepted where the value is not fixed by the contract (before shapes are set).
Status CheckContract(const std::vector<IoTensor>& io, bool dynamicOk, Shapes* out) {
  auto fail = [&](const std::string& problem) {
    return ContractStatus(std::string(kContract) + ": " + problem + "; the model has " + Describe(io));
  };
  auto batchOk = [&](int64_t v) { return v == 1 || (dynamicOk && v == -1); };
  auto sizeOk = [&](int64_t v) { return v > 0 || (dynamicOk && v == -1); };

  const IoTensor* input = nullptr;
  const IoTensor* boxes = nullptr;
  const IoTensor* scores = nullptr;
  for (const IoTensor& t : io) {
    if (t.isInput) {
      if (t.name != kInput || input != nullptr) return fail("expected exactly one input, named 'images'");
      input = &t;
    } else if (t.name == kBoxes) {
      boxes = &t;
    } else if (t.name == kScores) {
      scores = &t;
    } else {
      return fail("unexpected output '" + t.name + "'");
    }
  }
  if (input == nullptr) return fail("no input named 'images'");
  if (boxes == nullptr || scores == nullptr) return fail("expected outputs named 'boxes' and 'scores'");
  for (const IoTensor* t : {input, boxes, scores}) {
    if (t->type != DataType::kFLOAT) return fail("'" + t->name + "' must be float32");
  }
  const std::vector<int64_t>& in = input->dims;
  if (in.size() != 4 || !batchOk(in[0]) || in[1] != 3 || !sizeOk(in[2]) || !sizeOk(in[3])) {
    return fail("'images' must be [1,3,H,W]");
  }
  const std::vector<int64_t>& b = boxes->dims;
  const std::vector<int64_t>& s = scores->dims;
  if (b.size() != 3 || !batchOk(b[0]) || !sizeOk(b[1]) || b[2] != 4) return fail("'boxes' must be [1,N,4]");
  if (s.size() != 3 || !batchOk(s[0]) || !sizeOk(s[1]) || s[2] != 5) return fail("'scores' must be [1,N,5]");
  if (b[1] != s[1]) return fail("'boxes' and 'scores' must have the same N");
  out->height = in[2];
  out->width = in[3];
  out->count = b[1];
  return Status::Ok();
}

std::vector<IoTensor> NetworkIo(nvinfer1::INetworkDefinition& network) {
  std::vector<IoTensor> io;
  for (int32_t i = 0; i < network.getNbInputs(); ++i) {
    nvinfer1::ITensor* t = network.getInput(i);
    io.push_back({t->getName(), true, ToVector(t->getDimensions()), t->getType()});
  }
  for (int32_t i = 0; i < network.getNbOutputs(); ++i) {
    nvinfer1::ITensor* t = network.getOutput(i);
    io.push_back({t->getName(), false, ToVector(t->getDimensions()), t->getType()});
  }
  return io;
}

// Shapes from the context once the input shape is set (dynamic engines), else from the engine.
std::vector<IoTensor> EngineIo(const nvinfer1::ICudaEngine& engine, const nvinfer1::IExecutionContext* context) {
  std::vector<IoTensor> io;
  for (int32_t i = 0; i < engine.getNbIOTensors(); ++i) {
    const char* name = engine.getIOTensorName(i);
    nvinfer1::Dims dims = context != nullptr ? context->getTensorShape(name) : engine.getTensorShape(name);
    io.push_back({name, engine.getTensorIOMode(name) == nvinfer1::TensorIOMode::kINPUT, ToVector(dims),
                  engine.getTensorDataType(name)});
  }
  return io;
}

bool HasDynamicDims(const std::vector<IoTensor>& io) {
  for (const IoTensor& t : io) {
    for (int64_t d : t.dims) {
      if (d < 0) return true;
    }
  }
  return false;
}

Status ReadFile(const std::string& path, std::vector<char>* out) {
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  if (!file) return IoStatus("open", path + ": " + std::strerror(errno));
  const std::streamoff size = file.tellg();
  if (size <= 0) return IoStatus("read", path + ": empty file");
  out->resize(static_cast<std::size_t>(size));
  file.seekg(0);
  if (!file.read(out->data(), size)) return IoStatus("read", path + ": short read");
  return Status::Ok();
}

#if NV_TENSORRT_MAJOR < 11
void AllowFp16(nvinfer1::IBuilderConfig& config) {
  // kFP16 is deprecated from 10.12 in favour of strongly typed networks, but until 11 it is the only
  // way to get an FP16 engine out of an FP32 ONNX model.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  config.setFlag(nvinfer1::BuilderFlag::kFP16);
#pragma GCC diagnostic pop
}
#endif

std::string FormatVersion(int64_t major, int64_t minor, int64_t patch) {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

}  // namespace

Status QueryDevice(DeviceInfo* out) {
  int count = 0;
  LKD_CUDA(cudaGetDeviceCount, &count);
  if (count < 1) return Status::Error("cudaGetDeviceCount", "cudaErrorNoDevice", "no CUDA device");
  int device = 0;
  LKD_CUDA(cudaGetDevice, &device);
  cudaDeviceProp prop{};
  LKD_CUDA(cudaGetDeviceProperties, &prop, device);
  out->major = prop.major;
  out->minor = prop.minor;
  // The SM count tells apart modules that share a name (every Jetson Orin reports "Orin").
  out->name = std::string(prop.name) + " (sm_" + std::to_string(prop.major) + std::to_string(prop.minor) + ", " +
              std::to_string(prop.multiProcessorCount) + " SMs)";
  out->fastFp16 = (prop.major == 5 && prop.minor == 3) || (prop.major == 6 && prop.minor != 1) || prop.major >= 7;
  return Status::Ok();
}

std::string RuntimeVersion() {
  const int64_t v = getInferLibVersion();
#if NV_TENSORRT_MAJOR >= 10
  return FormatVersion(v / 10000, (v / 100) % 100, v % 100);
#else
  return FormatVersion(v / 1000, (v / 100) % 10, v % 100);
#endif
}

std::string CompiledVersion() { return FormatVersion(NV_TENSORRT_MAJOR, NV_TENSORRT_MINOR, NV_TENSORRT_PATCH); }

bool BuilderHasFp16Flag() { return NV_TENSORRT_MAJOR < 11; }

Status BuildSerializedEngine(const std::string& onnxPath, const BuildOptions& options, BuildResult* out) {
  TrtLogger& logger = TrtLogger::Instance();
  TrtLogger::ClearLastError();
  {
    std::ifstream probe(onnxPath, std::ios::binary);
    if (!probe) return IoStatus("open", onnxPath + ": " + std::strerror(errno));
  }

  TrtPtr<nvinfer1::IBuilder> builder(nvinfer1::createInferBuilder(logger));
  if (!builder) return TrtStatus("createInferBuilder", "returned null");
#if NV_TENSORRT_MAJOR < 10
  const uint32_t flags = 1U << static_cast<uint32_t>(nvinfer1::NetworkDefinitionCreationFlag::kEXPLICIT_BATCH);
#else
  const uint32_t flags = 0;  // explicit batch is the only mode from 10 on
#endif
  TrtPtr<nvinfer1::INetworkDefinition> network(builder->createNetworkV2(flags));
  if (!network) return TrtStatus("IBuilder::createNetworkV2", "returned null");
  TrtPtr<nvonnxparser::IParser> parser(nvonnxparser::createParser(*network, logger));
  if (!parser) return TrtStatus("nvonnxparser::createParser", "returned null");
  if (!parser->parseFromFile(onnxPath.c_str(), static_cast<int>(nvinfer1::ILogger::Severity::kWARNING))) {
    std::string detail;
    for (int i = 0; i < parser->getNbErrors(); ++i) {
      const nvonnxparser::IParserError* error = parser->getError(i);
      if (!detail.empty()) detail += "; ";
      detail += std::string(error->desc()) + " (node " + std::to_string(error->node()) + ")";
    }
    if (detail.empty()) detail = TrtLogger::TakeLastError();
    return Status::Error("nvonnxparser::IParser::parseFromFile", "ERR_TENSORRT", onnxPath + ": " + detail);
  }

  // Checked before the build, which takes minutes on a Jetson.
  Shapes shapes;
  LKD_RETURN_IF_ERROR(CheckContract(NetworkIo(*network), true, &shapes));
  const bool dynamicSize = shapes.height < 0 || shapes.width < 0;
  if (options.height > 0 && !dynamicSize && (shapes.height != options.height || shapes.width != options.width)) {
    return ContractStatus("the model's input is " + std::to_string(shapes.height) + "x" + std::to_string(shapes.width) +
                          " (HxW) but " + std::to_string(options.height) + "x" + std::to_string(options.width) +
                          " was expected");
  }

  TrtPtr<nvinfer1::IBuilderConfig> config(builder->createBuilderConfig());
  if (!config) return TrtStatus("IBuilder::createBuilderConfig", "returned null");
  if (options.workspaceBytes > 0)
    config->setMemoryPoolLimit(nvinfer1::MemoryPoolType::kWORKSPACE, options.workspaceBytes);

  if (HasDynamicDims(NetworkIo(*network))) {
    if (dynamicSize && (options.height <= 0 || options.width <= 0)) {
      return ArgumentStatus("TrtEngine.build", "the model's input 'images' has a dynamic size: pass inputSize [H, W]");
    }
    const int64_t h = dynamicSize ? options.height : shapes.height;
    const int64_t w = dynamicSize ? options.width : shapes.width;
    // Owned by the builder. One fixed shape: min = opt = max.
    nvinfer1::IOptimizationProfile* profile = builder->createOptimizationProfile();
    if (profile == nullptr) return TrtStatus("IBuilder::createOptimizationProfile", "returned null");
    const nvinfer1::Dims dims = MakeDims({1, 3, h, w});
    for (auto selector :
         {nvinfer1::OptProfileSelector::kMIN, nvinfer1::OptProfileSelector::kOPT, nvinfer1::OptProfileSelector::kMAX}) {
      if (!profile->setDimensions(kInput, selector, dims)) {
        return TrtStatus("IOptimizationProfile::setDimensions",
                         "rejected [1,3," + std::to_string(h) + "," + std::to_string(w) + "]");
      }
    }
    if (config->addOptimizationProfile(profile) < 0) {
      return TrtStatus("IBuilderConfig::addOptimizationProfile", "returned -1");
    }
  }

  DeviceInfo device;
  LKD_RETURN_IF_ERROR(QueryDevice(&device));
  out->precision = "fp32";
#if NV_TENSORRT_MAJOR < 11
  // Only a permission: TensorRT keeps FP32 for the layers that have no FP16 implementation.
  if (options.fp16 && device.fastFp16) {
    AllowFp16(*config);
    out->precision = "fp16";
  }
#endif

  out->plan.reset(builder->buildSerializedNetwork(*network, *config));
  if (!out->plan || out->plan->size() == 0) {
    out->plan.reset();
    return TrtStatus("IBuilder::buildSerializedNetwork", "returned no engine");
  }
  return Status::Ok();
}

Status Engine::Load(const std::string& enginePath, std::unique_ptr<Engine>* out) {
  TrtLogger::ClearLastError();
  std::vector<char> blob;
  LKD_RETURN_IF_ERROR(ReadFile(enginePath, &blob));

  std::unique_ptr<Engine> e(new Engine());
  e->runtime_.reset(nvinfer1::createInferRuntime(TrtLogger::Instance()));
  if (!e->runtime_) return TrtStatus("createInferRuntime", "returned null");
  e->engine_.reset(e->runtime_->deserializeCudaEngine(blob.data(), blob.size()));
  if (!e->engine_) {
    return TrtStatus("IRuntime::deserializeCudaEngine",
                     enginePath + " is not an engine of this TensorRT version for this GPU");
  }
  blob = std::vector<char>();

  Shapes shapes;
  std::vector<IoTensor> io = EngineIo(*e->engine_, nullptr);
  LKD_RETURN_IF_ERROR(CheckContract(io, true, &shapes));
  e->context_.reset(e->engine_->createExecutionContext());
  if (!e->context_) return TrtStatus("ICudaEngine::createExecutionContext", "returned null");
  if (HasDynamicDims(io)) {
    const nvinfer1::Dims dims = e->engine_->getProfileShape(kInput, 0, nvinfer1::OptProfileSelector::kOPT);
    if (!e->context_->setInputShape(kInput, dims))
      return TrtStatus("IExecutionContext::setInputShape", "returned false");
    io = EngineIo(*e->engine_, e->context_.get());
  }
  LKD_RETURN_IF_ERROR(CheckContract(io, false, &shapes));
  e->height_ = shapes.height;
  e->width_ = shapes.width;
  e->count_ = shapes.count;

  const std::size_t inputBytes = e->inputLength() * sizeof(float);
  const std::size_t boxesBytes = e->boxesLength() * sizeof(float);
  const std::size_t scoresBytes = e->scoresLength() * sizeof(float);
  LKD_RETURN_IF_ERROR(CreateStream(&e->stream_));
  LKD_RETURN_IF_ERROR(AllocateDevice(inputBytes, &e->deviceInput_));
  LKD_RETURN_IF_ERROR(AllocateDevice(boxesBytes, &e->deviceBoxes_));
  LKD_RETURN_IF_ERROR(AllocateDevice(scoresBytes, &e->deviceScores_));
  LKD_RETURN_IF_ERROR(AllocatePinned(inputBytes, &e->hostInput_));
  LKD_RETURN_IF_ERROR(AllocatePinned(boxesBytes, &e->hostBoxes_));
  LKD_RETURN_IF_ERROR(AllocatePinned(scoresBytes, &e->hostScores_));
  // The buffers never move, so the addresses are bound once.
  const std::pair<const char*, void*> bindings[] = {
      {kInput, e->deviceInput_.data()}, {kBoxes, e->deviceBoxes_.data()}, {kScores, e->deviceScores_.data()}};
  for (const auto& [name, address] : bindings) {
    if (!e->context_->setTensorAddress(name, address)) {
      return TrtStatus("IExecutionContext::setTensorAddress", std::string("rejected the buffer of '") + name + "'");
    }
  }
  *out = std::move(e);
  return Status::Ok();
}

Status Engine::Infer(const float* input, std::size_t length) {
  if (length != inputLength()) {
    return ArgumentStatus("TrtEngine.infer", "expected a Float32Array of 3*" + std::to_string(height_) + "*" +
                                                 std::to_string(width_) + " = " + std::to_string(inputLength()) +
                                                 " values, got " + std::to_string(length));
  }
  Status status = Enqueue(input, length);
  // After a failure no copy may still be in flight on buffers that the next call reuses.
  if (!status.ok) cudaStreamSynchronize(stream_.get());
  return status;
}

Status Engine::Enqueue(const float* input, std::size_t length) {
  TrtLogger::ClearLastError();
  cudaStream_t stream = stream_.get();
  std::memcpy(hostInput_.data(), input, length * sizeof(float));
  LKD_CUDA(cudaMemcpyAsync, deviceInput_.data(), hostInput_.data(), hostInput_.bytes(), cudaMemcpyHostToDevice, stream);
  if (!context_->enqueueV3(stream)) return TrtStatus("IExecutionContext::enqueueV3", "returned false");
  LKD_CUDA(cudaMemcpyAsync, hostBoxes_.data(), deviceBoxes_.data(), hostBoxes_.bytes(), cudaMemcpyDeviceToHost, stream);
  LKD_CUDA(cudaMemcpyAsync, hostScores_.data(), deviceScores_.data(), hostScores_.bytes(), cudaMemcpyDeviceToHost,
           stream);
  LKD_CUDA(cudaStreamSynchronize, stream);
  return Status::Ok();
}

}  // namespace leukodiff
