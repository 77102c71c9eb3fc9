/** The sections of `ykt card read`, in display order. Add an application's section here. */
import { applicationsSection } from './applications';
import type { CardSection } from './section';
import { ssseSection } from './ssse';
import { transitCardSection } from '../../transit/card-section';
import { pbocCardSection } from '../../pboc/card-section';

export const cardSections: CardSection<never>[] = [applicationsSection, ssseSection, pbocCardSection, transitCardSection] as CardSection<never>[];
