/** Profile registry: the config's profile.kind → its implementation. */
import { ConfigError } from '../../core/errors';
import { canteenProfile } from './canteen';
import type { ProfileConfig } from './config';
import { hospitalProfile } from './hospital';
import { identityProfile } from './identity';
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
    default:
      throw new ConfigError('profile.kind', `profile "${cfg.kind}" is not available in this build`);
  }
}
