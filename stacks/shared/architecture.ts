import type { CPU_ARCHITECTURES } from '../config/schema';

export type CpuArchitecture = (typeof CPU_ARCHITECTURES)[number];

/**
 * What each CPU architecture means to ECS and to CodeBuild. The task and the build read the same
 * entry, so an image is always built on the architecture it runs on (an arm64 image on an x86_64
 * task fails with "exec format error"). Images: the CodeBuild curated Amazon Linux 2023 images
 * (https://docs.aws.amazon.com/codebuild/latest/userguide/build-env-ref-available.html).
 */
export const ARCHITECTURES: Readonly<
  Record<CpuArchitecture, { ecsCpuArchitecture: string; buildImage: string; buildEnvironmentType: string }>
> = {
  x86_64: {
    ecsCpuArchitecture: 'X86_64',
    buildImage: 'aws/codebuild/amazonlinux-x86_64-standard:5.0',
    buildEnvironmentType: 'LINUX_CONTAINER',
  },
  arm64: {
    ecsCpuArchitecture: 'ARM64',
    buildImage: 'aws/codebuild/amazonlinux-aarch64-standard:3.0',
    buildEnvironmentType: 'ARM_CONTAINER',
  },
};
