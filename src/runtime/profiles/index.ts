/** Profile registry: the config's profile.kind → its implementation. */
import { ConfigError } from '../../core/errors';
import { busProfile } from './bus';
import { canteenProfile } from './canteen';
import type { ProfileConfig } from './config';
import { hospitalProfile } from './hospital';
import { identityProfile } from './identity';
import { metroProfile } from './metro';
import type { Profile, ProfileContext } from './types';
import { venueProfile } from './venue';

export function createProfile(ctx: ProfileContext, cfg: ProfileConfig): Profile {
  switch (cfg.kind) {
    case 'library':
    case 'museum':
      return venueProfile(ctx, cfg);
    case 'identity':
      return identityProfile(ctx, cfg);
    case 'hospital':
      return hospitalProfile(ctx, cfg);
    case 'canteen':
      return canteenProfile(ctx, cfg);
    case 'bus':
      return busProfile(ctx, cfg);
    case 'metro':
      return metroProfile(ctx, cfg);
    default:
      throw new ConfigError('profile.kind', `profile "${(cfg as { kind: string }).kind}" is not available in this build`);
  }
}
