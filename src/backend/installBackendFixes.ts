// Side effects first: tfjs-layers registers TF.js's gradients (tfjs-core's Node
// build does not), and the backends register their kernels; the fixes replace them.
import '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { installBatchMatMulGradient, uninstallBatchMatMulGradient } from './batchMatMulGradient.js';
import { installExactSecondOrderGradients, uninstallExactSecondOrderGradients } from './exactSecondOrderGradients.js';
import { installWasmConv2DBackpropFilter, uninstallWasmConv2DBackpropFilter } from './wasmConv2DBackpropFilter.js';
import { installWasmConv2DBackpropInput, uninstallWasmConv2DBackpropInput } from './wasmConv2DBackpropInput.js';
import { installWasmConvSamePadding, uninstallWasmConvSamePadding } from './wasmConvSamePadding.js';
import { installWasmTransposedMatMul, uninstallWasmTransposedMatMul } from './wasmTransposedMatMul.js';
import { installWasmUnsortedSegmentSum, uninstallWasmUnsortedSegmentSum } from './wasmUnsortedSegmentSum.js';
import { installTileGradient, uninstallTileGradient } from './tileGradient.js';
import { installLayerVariableWrite, uninstallLayerVariableWrite } from './layerVariableWrite.js';
import { installDilatedConvGradients, uninstallDilatedConvGradients } from './dilatedConvGradients.js';
import { installWasmDepthwiseConvBackprop, uninstallWasmDepthwiseConvBackprop } from './wasmDepthwiseConvBackprop.js';
import { installLayerCallFixes, uninstallLayerCallFixes } from './layerCallFixes.js';
import { installMaxPoolGradGradient, uninstallMaxPoolGradGradient } from './maxPoolGradGradient.js';
import { installAvgPoolGradients, uninstallAvgPoolGradients } from './avgPoolGradients.js';
import { installResizeGradients, uninstallResizeGradients } from './resizeGradients.js';
import { installWasmMaxPoolArgmax, uninstallWasmMaxPoolArgmax } from './wasmMaxPoolArgmax.js';
import { installDepthwiseBackpropGradients, uninstallDepthwiseBackpropGradients } from './depthwiseBackpropGradients.js';

/**
 * Installs lipkit's fixes to TF.js 4.22: exact second-order gradients (Tanh,
 * Sigmoid, Exp, Elu, Pow, Softmax, LogSoftmax recompute from their input), fast
 * transposed and batched matMul on wasm, and the wasm kernels Conv2DBackpropFilter and
 * UnsortedSegmentSum (conv and gather/embedding gradients), a guard against a stale
 * XNNPACK operator cache in wasm matMul (wrong results and heap corruption when a
 * buffer is reused as the right operand with another shape), and 'same' padding of
 * the wasm convolutions passed as explicit pads (stock gives zeros when the stride
 * exceeds the kernel), and a fast wasm Conv2DBackpropInput (one XNNPACK forward
 * convolution with the flipped kernel), and a Tile gradient of one reshape and one sum
 * instead of one slice and one add per tile (tfjs-layers' LayerNormalization tiles its gain
 * and bias to the full input shape), and a LayerVariable.write that disposes the constrained
 * copy it assigns (tfjs-layers leaks one tensor per constrained weight on every load), gradients of
 * dilated convolutions (Conv2D, DepthwiseConv2dNative; dilated Conv2D layers run unfused), the wasm
 * DepthwiseConv2dNativeBackpropInput/Filter kernels, and BatchNormalization with center or scale false
 * computed with differentiable ops in inference (TF.js's gradient fails on the missing input), and the
 * gradient of MaxPoolGrad (second-order gradients through MaxPooling2D, e.g. a gradient penalty), and exact first-
 * and second-order gradients of average pooling (stock is wrong at 'same' borders) and of nearest/bilinear
 * resizes (stock is wrong on cpu for batch > 1 and with halfPixelCenters), and the gradients of the depthwise
 * backprop kernels (second-order gradients through AveragePooling, UpSampling2D, DepthwiseConv2D, SeparableConv2D),
 * and wasm MaxPoolGrad/MaxPoolWithArgmax kernels that handle windows of negative values (stock starts at FLT_MIN). Idempotent (each fix checks what is registered); called
 * when lipkit is imported and by `setBackend`.
 */
export function installBackendFixes(): void {
  installExactSecondOrderGradients();
  installBatchMatMulGradient();
  installWasmTransposedMatMul();
  installWasmConv2DBackpropFilter();
  installWasmUnsortedSegmentSum();
  installWasmConvSamePadding();
  installWasmConv2DBackpropInput();
  installTileGradient();
  installLayerVariableWrite();
  installDilatedConvGradients();
  installWasmDepthwiseConvBackprop();
  installLayerCallFixes();
  installMaxPoolGradGradient();
  installWasmMaxPoolArgmax();
  installAvgPoolGradients();
  installResizeGradients();
  installDepthwiseBackpropGradients();
}

/** Restores stock TF.js gradients and kernels (for comparisons and tests); `installBackendFixes` re-applies. */
export function uninstallBackendFixes(): void {
  uninstallExactSecondOrderGradients();
  uninstallBatchMatMulGradient();
  uninstallWasmTransposedMatMul();
  uninstallWasmConv2DBackpropFilter();
  uninstallWasmUnsortedSegmentSum();
  uninstallWasmConvSamePadding();
  uninstallWasmConv2DBackpropInput();
  uninstallTileGradient();
  uninstallLayerVariableWrite();
  uninstallDilatedConvGradients();
  uninstallWasmDepthwiseConvBackprop();
  uninstallLayerCallFixes();
  uninstallMaxPoolGradGradient();
  uninstallWasmMaxPoolArgmax();
  uninstallAvgPoolGradients();
  uninstallResizeGradients();
  uninstallDepthwiseBackpropGradients();
}
