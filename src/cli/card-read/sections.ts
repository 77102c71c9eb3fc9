/** The sections of `ykt card read`, in display order. Add an application's section here. */
import { applicationsSection } from './applications';
import type { CardSection } from './section';
import { ssseSection } from './ssse';

export const cardSections: CardSection<never>[] = [applicationsSection, ssseSection] as CardSection<never>[];
