export { externalDataFromFolder } from './external-data-files.js';
export {
  readNodeTestDirectory,
  readNodeTestGoldenCases,
  writeGoldenCaseNodeTest,
  writeNodeTestDirectory,
  type WriteNodeTestOptions,
} from './node-test-files.js';
export { exportOnnxFromStatsFile, foldOnnxFile, inspectOnnxFile, replaceStatisticsInFile, type ExportOnnxFileOptions } from './onnx-files.js';
