/** Profile registry: the config's profile.kind → its implementation. */
import { ConfigError } from '../../core/errors';
import type { ProfileConfig } from './config';
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
    default:
      throw new ConfigError('profile.kind', `profile "${cfg.kind}" is not available in this build`);
  }
}
