/** COCO ground-truth dataset and detection results, as read and written by the evaluator. */

export interface CocoInfo {
  description?: string;
  version?: string;
  year?: number;
  date_created?: string;
  /** Folder the images' `file_name`s are relative to (leukodiff extension). */
  image_root?: string;
  [key: string]: unknown;
}

export interface CocoImage {
  id: number;
  width: number;
  height: number;
  file_name: string;
  /** sha256 of the image file, hex (leukodiff extension). */
  sha256?: string;
}

/** `[x, y, w, h]` in pixels, top-left origin. */
export type CocoBbox = [number, number, number, number];

export interface CocoAnnotation {
  id: number;
  image_id: number;
  /** 1..5 = type index + 1; 0 together with `type_unknown: true`. */
  category_id: number;
  bbox: CocoBbox;
  /** Used for the area ranges (small / medium / large); usually `w*h`. */
  area: number;
  iscrowd?: 0 | 1;
  /** A leukocyte whose type is unknown (leukodiff extension, category_id 0). */
  type_unknown?: boolean;
}

export interface CocoCategory {
  id: number;
  name: string;
  supercategory?: string;
}

export interface CocoDataset {
  info?: CocoInfo;
  images: CocoImage[];
  annotations: CocoAnnotation[];
  categories: CocoCategory[];
}

/** One entry of a COCO results list. */
export interface CocoDetection {
  image_id: number;
  category_id: number;
  bbox: CocoBbox;
  score: number;
}
